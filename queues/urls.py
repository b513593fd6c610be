"""The queues' URLs: TwiML flows under /twilio/ and the REST API under /api/v1/."""

from django.urls import include, path

from . import api_urls, webhooks

app_name = "queues"

twilio_patterns = [
    path("queues/voice", webhooks.voice, name="voice"),
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

urlpatterns = [
    path("twilio/", include(twilio_patterns)),
    path("api/v1/", include(api_urls)),
]
