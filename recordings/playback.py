"""Playing a recording back through the product: the media is fetched from Twilio
with the account's credentials and streamed on, so no listener ever gets a
Twilio URL, and only those the product lets play it hear it."""

from __future__ import annotations

from django.http import StreamingHttpResponse

from calls import telephony
from calls.exceptions import RuleViolation

from .models import Recording

MEDIA_TIMEOUT_SECONDS = 10


def media_response(recording: Recording) -> StreamingHttpResponse:
    """The recording's WAV, streamed; a refusal naming why when there is none to play.

    Raises RuleViolation (a 409 on the API, a message in the admin) for a
    recording that is deleted or not completed, and TwilioError or
    TwilioUnreachable when Twilio does not hand the media over.
    """
    if recording.is_deleted:
        raise RuleViolation("The recording has been deleted.", code="deleted")
    if not recording.has_media:
        raise RuleViolation(
            f"The recording is {recording.get_status_display().lower()}: no media yet.",
            code="no-media",
        )
    media = telephony.open_recording_media(recording.sid, timeout=MEDIA_TIMEOUT_SECONDS)

    def chunks():
        try:
            yield from media.chunks
        finally:
            media.close()

    response = StreamingHttpResponse(chunks(), content_type=media.content_type)
    if media.length:
        response["Content-Length"] = media.length
    response["Content-Disposition"] = f'inline; filename="{recording.sid}.wav"'
    response["Cache-Control"] = "private, no-store"
    return response
