"""/twilio/…: the queues' TwiML flows, the URLs handed to Twilio (always absolute,
see `calls.urls_public`)."""

from django.urls import path

from . import webhooks

app_name = "queues"

urlpatterns = [
    path("queues/voice", webhooks.voice, name="voice"),
    path("queues/<int:queue_id>/enter", webhooks.enter, name="enter"),
    path("queues/entries/<int:entry_id>/hold-ended", webhooks.hold_ended, name="hold-ended"),
    path(
        "queues/entries/<int:entry_id>/offers/<int:offer>/dial-ended",
        webhooks.dial_ended,
        name="dial-ended",
    ),
    path("surveys/<int:survey_id>/start", webhooks.survey_start, name="survey-start"),
    path(
        "surveys/questions/<int:question_id>/answer",
        webhooks.survey_answer,
        name="survey-answer",
    ),
]
