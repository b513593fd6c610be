"""/twilio/…: the recordings' URLs handed to Twilio (always absolute, see
`calls.urls_public`)."""

from django.urls import path

from . import webhooks

app_name = "recordings"

urlpatterns = [
    path("recordings/status", webhooks.status, name="status"),
    path(
        "recordings/calls/<int:call_id>/policies/<int:policy_id>/answered",
        webhooks.answered,
        name="answered",
    ),
]
