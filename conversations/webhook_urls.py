"""/twilio/…: the conference status callback (absolute, see `calls.urls_public`)."""

from django.urls import path

from . import webhooks

app_name = "conversations"

urlpatterns = [
    path("conferences/status", webhooks.status, name="status"),
]
