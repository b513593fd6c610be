"""Recording moves as kinds of conversation action (`conversations.registry`), so a
conversation's recording can be started, paused, resumed and stopped as a
recorded action of the conversation, now or at a moment ("end the recording
when the survey starts"), with the framework's life: scheduled, claimed on
time, sent once, Twilio's answer kept, cancelable.

Each acts on the recording of the conversation's customer call, through the
gateway; the recording's own status follows, as with the direct pause and
resume of `services.actions`. Registered when the app is ready.
"""

from __future__ import annotations

from collections.abc import Mapping

from calls import telephony
from calls.exceptions import RuleViolation, TwilioError
from conversations.kinds.params import only
from conversations.registry import ActionKind, register

from .models import OPEN_RECORDING_STATUSES, PauseBehavior, Recording, RecordingActionKind
from .permissions import MANAGE_RECORDINGS
from .services import recording_request, recording_start
from .services.actions import RESULT, TWILIO_STATUS


def _open_recording(conference) -> Recording | None:
    return Recording.objects.filter(
        call=conference.call, status__in=OPEN_RECORDING_STATUSES
    ).first()


def _validate_change(conference, params: Mapping) -> dict:
    """The recording it acts on is the conversation's open one, when asked and when due
    (the stored parameters name it then)."""
    only(params, ("pause_behavior", "recording"))
    behavior = params.get("pause_behavior", PauseBehavior.SILENCE)
    if behavior not in PauseBehavior.values:
        raise RuleViolation("Pause behavior is silence or skip.", field="pause_behavior")
    recording = _open_recording(conference)
    if recording is None or params.get("recording", recording.pk) != recording.pk:
        raise RuleViolation("The conversation is not being recorded.", field="recording")
    return {"recording": recording.pk, "pause_behavior": behavior}


def _validate_start(conference, params: Mapping) -> dict:
    only(params, ())
    if _open_recording(conference) is not None:
        raise RuleViolation("The conversation is already being recorded.", field="recording")
    return {}


def _performer(kind: str):
    def perform(action) -> None:
        recording = Recording.objects.select_related("call").get(pk=action.params["recording"])
        telephony.update_call_recording(
            recording.call.sid,
            recording.sid,
            status=TWILIO_STATUS[kind],
            pause_behavior=action.params["pause_behavior"] if kind == "pause" else "",
        )
        Recording.objects.filter(pk=recording.pk, status__in=OPEN_RECORDING_STATUSES).update(
            status=RESULT[kind]
        )

    return perform


def _perform_start(action) -> None:
    """Record the customer's call now; Twilio's refusal fails the action with its code."""
    recording = recording_request(action.call, requested_by=action.requested_by, hand_over=False)
    recording_start(recording.pk)
    recording.refresh_from_db()
    if recording.error_code:
        raise TwilioError(recording.error_message, code=recording.error_code, status=400)


def _kind(name: str, label: str, validate, perform) -> ActionKind:
    return register(
        ActionKind(
            name=name,
            label=label,
            permission=MANAGE_RECORDINGS,
            validate=validate,
            perform=perform,
            needs_conference_sid=False,
        )
    )


START = _kind("start-recording", "Start recording", _validate_start, _perform_start)
PAUSE = _kind(
    "pause-recording", "Pause recording", _validate_change, _performer(RecordingActionKind.PAUSE)
)
RESUME = _kind(
    "resume-recording", "Resume recording", _validate_change, _performer(RecordingActionKind.RESUME)
)
STOP = _kind(
    "stop-recording", "Stop recording", _validate_change, _performer(RecordingActionKind.STOP)
)
