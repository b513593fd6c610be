"""Recording a call: the request (from a policy or a user), and the start at Twilio.

A request is a row committed before Twilio is asked, handed to a worker on
commit; its RecordingStatusCallback names the row, so the callbacks find it
even when Twilio's answer to the start is lost.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from calls import telephony
from calls.exceptions import RetryLater, TwilioError, TwilioUnreachable
from calls.models import Call, Source
from calls.telephony import TwilioNotReached
from calls.urls_public import public_url

from ..models import (
    DEFAULT_RETENTION_DAYS,
    OPEN_RECORDING_STATUSES,
    Recording,
    RecordingPolicy,
    RecordingStatus,
)
from ..tasks import start_recording
from .common import after_commit, locked_recording, moves_forward, refuse

CALLBACK_EVENTS = ["in-progress", "completed", "absent"]
# Both parties, each on a channel of its own: a dispute can be heard one side at a time.
CHANNELS = "dual"
START_RETRY_SECONDS = 2


def open_recording(call: Call) -> Recording | None:
    return call.recordings.filter(status__in=OPEN_RECORDING_STATUSES).first()


def recording_request(
    call: Call,
    *,
    policy: RecordingPolicy | None = None,
    origin: str = Source.API,
    requested_by=None,
    retention_days: int | None = None,
    hand_over: bool = True,
) -> Recording:
    """Ask for the call to be recorded from now on; a call already being recorded
    gets its recording back (one open recording per call). `hand_over=False`
    leaves the start to the caller (a conversation action starts it itself)."""
    if not call.is_live or not call.sid:
        raise refuse("Only a call in progress can be recorded.", "call-not-live")
    if retention_days is None:
        retention_days = policy.retention_days if policy else DEFAULT_RETENTION_DAYS
    try:
        with transaction.atomic():
            recording = Recording.objects.create(
                call=call,
                policy=policy,
                origin=origin,
                requested_by=requested_by,
                retention_days=retention_days,
            )
    except IntegrityError:
        # Asked twice at once (the answer and the agent's join): the first one stands.
        return open_recording(call)
    if hand_over:
        after_commit(start_recording, recording.pk)
    return recording


def status_callback_url(recording: Recording) -> str:
    return public_url("recordings:status", query={"recording": recording.pk})


def recording_start(recording_id: int) -> None:
    """Start a requested recording at Twilio, at most once.

    The row moves to `starting` and commits before the request leaves: a task
    run again after a lost answer finds it starting and leaves it to the
    callbacks, which carry the row's id.
    """
    with transaction.atomic():
        recording = locked_recording(recording_id)
        if recording.status != RecordingStatus.REQUESTED:
            return
        recording.status = RecordingStatus.STARTING
        recording.save(update_fields=["status"])
    try:
        started = telephony.start_call_recording(
            recording.call.sid,
            status_callback=status_callback_url(recording),
            events=CALLBACK_EVENTS,
            channels=CHANNELS,
        )
    except TwilioNotReached as error:
        _back_to_requested(recording_id)
        raise RetryLater(START_RETRY_SECONDS, str(error)) from error
    except TwilioUnreachable:
        return  # it may have started: its callbacks will say
    except TwilioError as error:
        if error.retryable:
            _back_to_requested(recording_id)
            raise RetryLater(START_RETRY_SECONDS, str(error)) from error
        _failed(recording_id, error)
        return
    _started(recording_id, started)


def _back_to_requested(recording_id: int) -> None:
    Recording.objects.filter(pk=recording_id, status=RecordingStatus.STARTING).update(
        status=RecordingStatus.REQUESTED
    )


def _failed(recording_id: int, error: TwilioError) -> None:
    Recording.objects.filter(pk=recording_id, status=RecordingStatus.STARTING).update(
        status=RecordingStatus.FAILED,
        error_code=error.code,
        error_message=error.message[:500],
        completed_at=timezone.now(),
    )


def _started(recording_id: int, started: telephony.TwilioRecording) -> None:
    """Keep the SID Twilio gave; a callback that came first may have moved it on already."""
    with transaction.atomic():
        recording = locked_recording(recording_id)
        recording.sid = recording.sid or started.sid
        recording.conference_sid = recording.conference_sid or started.conference_sid
        recording.channels = recording.channels or started.channels
        recording.started_at = recording.started_at or started.start_time or timezone.now()
        if moves_forward(recording.status, started.status):
            recording.status = started.status
        recording.save(update_fields=["sid", "conference_sid", "channels", "started_at", "status"])
