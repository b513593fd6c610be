"""Pause, resume and stop a live recording, each a recorded action: who asked,
from where, when it was sent, and Twilio's answer.

Pausing keeps silence in the media (`PauseBehavior=silence`, Twilio's default)
unless asked to skip: the media then keeps the call's own clock, so a moment of
the timeline is the same second of the recording, and the gap shows where
something (a card number) was left out. Skipping is offered for those who want
the shorter file.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from calls import telephony
from calls.exceptions import RetryLater, TwilioError, TwilioUnreachable
from calls.models import Source
from calls.telephony import TwilioNotReached

from ..models import (
    PauseBehavior,
    Recording,
    RecordingAction,
    RecordingActionKind,
    RecordingActionState,
    RecordingStatus,
)
from ..tasks import send_recording_action
from .common import after_commit, locked_recording, refuse

# What each action needs the recording to be, and what it makes of it.
NEEDS = {
    RecordingActionKind.PAUSE: {RecordingStatus.IN_PROGRESS},
    RecordingActionKind.RESUME: {RecordingStatus.PAUSED},
    RecordingActionKind.STOP: {RecordingStatus.IN_PROGRESS, RecordingStatus.PAUSED},
}
TWILIO_STATUS = {
    RecordingActionKind.PAUSE: "paused",
    RecordingActionKind.RESUME: "in-progress",
    RecordingActionKind.STOP: "stopped",
}
RESULT = {
    RecordingActionKind.PAUSE: RecordingStatus.PAUSED,
    RecordingActionKind.RESUME: RecordingStatus.IN_PROGRESS,
    RecordingActionKind.STOP: RecordingStatus.STOPPED,
}
SEND_RETRY_SECONDS = 1


def recording_action_request(
    recording: Recording,
    kind: str,
    *,
    pause_behavior: str = PauseBehavior.SILENCE,
    origin: str = Source.API,
    requested_by=None,
) -> RecordingAction:
    """Record the action and hand it to a worker once committed.

    Refused while another action on the recording is still under way, so a
    pause and a resume pressed in a hurry are sent in the order they were asked.
    """
    if kind not in NEEDS:
        raise refuse(f"Unknown action {kind!r}.", "invalid", "kind")
    if pause_behavior not in PauseBehavior.values:
        raise refuse("Pause behavior is silence or skip.", "invalid", "pause_behavior")
    with transaction.atomic():
        recording = locked_recording(recording.pk)
        if recording.status not in NEEDS[kind]:
            raise refuse(
                f"The recording is {recording.get_status_display().lower()}: "
                f"it cannot be {TWILIO_STATUS[kind].replace('in-progress', 'resumed')}.",
                "recording-state",
            )
        if recording.actions.filter(
            state__in=[RecordingActionState.REQUESTED, RecordingActionState.SENDING]
        ).exists():
            raise refuse("Another action on this recording is under way.", "action-under-way")
        action = RecordingAction.objects.create(
            recording=recording,
            kind=kind,
            pause_behavior=pause_behavior if kind == RecordingActionKind.PAUSE else "",
            origin=origin,
            requested_by=requested_by,
        )
        after_commit(send_recording_action, action.pk)
    return action


def recording_pause(recording: Recording, **options) -> RecordingAction:
    return recording_action_request(recording, RecordingActionKind.PAUSE, **options)


def recording_resume(recording: Recording, **options) -> RecordingAction:
    options.pop("pause_behavior", None)
    return recording_action_request(recording, RecordingActionKind.RESUME, **options)


def recording_stop(recording: Recording, **options) -> RecordingAction:
    options.pop("pause_behavior", None)
    return recording_action_request(recording, RecordingActionKind.STOP, **options)


def recording_action_send(action_id: int) -> None:
    """Send one action to Twilio, at most once (a task run again finds it sent)."""
    with transaction.atomic():
        action = RecordingAction.objects.select_for_update().get(pk=action_id)
        if action.state != RecordingActionState.REQUESTED:
            return
        action.state = RecordingActionState.SENDING
        action.sent_at = timezone.now()
        action.save(update_fields=["state", "sent_at"])
    recording = action.recording
    try:
        telephony.update_call_recording(
            recording.call.sid,
            recording.sid,
            status=TWILIO_STATUS[action.kind],
            pause_behavior=action.pause_behavior,
        )
    except TwilioNotReached as error:
        _finish(action, RecordingActionState.REQUESTED)
        raise RetryLater(SEND_RETRY_SECONDS, str(error)) from error
    except TwilioUnreachable as error:
        _finish(action, RecordingActionState.FAILED, message=str(error))
    except TwilioError as error:
        _finish(action, RecordingActionState.FAILED, code=error.code, message=error.message)
    else:
        _finish(action, RecordingActionState.DONE)


def _finish(action: RecordingAction, state: str, *, code=None, message: str = "") -> None:
    with transaction.atomic():
        recording = locked_recording(action.recording_id)
        action.state = state
        action.error_code = code
        action.error_message = message[:500]
        action.finished_at = None if state == RecordingActionState.REQUESTED else timezone.now()
        action.save(update_fields=["state", "error_code", "error_message", "finished_at"])
        if state == RecordingActionState.DONE and recording.is_live:
            recording.status = RESULT[action.kind]
            recording.save(update_fields=["status"])
