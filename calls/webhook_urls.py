"""/twilio/…: the URLs handed to Twilio (always absolute, see `calls.urls_public`)."""

from django.urls import path

from . import webhooks

app_name = "calls-webhooks"

urlpatterns = [
    path("calls/<int:call_id>/answer", webhooks.answer, name="answer"),
    path("calls/<int:call_id>/fallback", webhooks.fallback, name="fallback"),
    path("calls/<int:call_id>/amd", webhooks.amd, name="amd"),
    path(
        "redirects/<int:redirect_id>/fallback",
        webhooks.redirect_fallback,
        name="redirect-fallback",
    ),
    path("status", webhooks.status, name="status"),
]
