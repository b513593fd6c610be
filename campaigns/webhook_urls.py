"""/twilio/…: the answer URL Twilio fetches when a campaign's contact picks up
(always absolute, see `calls.urls_public`)."""

from django.urls import path

from . import webhooks

app_name = "campaigns"

urlpatterns = [
    path("campaigns/contacts/<int:contact_id>/answer", webhooks.answer, name="answer"),
]
