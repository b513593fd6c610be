"""Campaign routes: the REST API under /api/v1/campaigns/ and the answer URL Twilio fetches."""

from django.urls import include, path

from . import webhooks

app_name = "campaigns"

urlpatterns = [
    path("api/v1/campaigns/", include("campaigns.api_urls")),
    path(
        "twilio/campaigns/contacts/<int:contact_id>/answer",
        webhooks.answer,
        name="answer",
    ),
]
