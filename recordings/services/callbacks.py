"""Twilio's recording status callbacks: stored once, applied forward only.

The callback URL names our recording (`?recording=<id>`), so a callback that
overtakes Twilio's answer to the start still finds its row. A recording
started some other way (a `<Dial record>`) is found by its SID, or recorded
on first sight under its call.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parsedate_to_datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from calls.models import Call, Source

from ..models import DEFAULT_RETENTION_DAYS, Recording, RecordingEvent, RecordingStatus
from .callback_statement import record_in_one_statement
from .common import moves_forward, refuse

FINISHED = {RecordingStatus.COMPLETED, RecordingStatus.ABSENT, RecordingStatus.FAILED}


def recording_status_record(
    params: Mapping[str, str], *, recording_id: int | None
) -> Recording | None:
    """Store one callback once and move its recording forward; the recording, when
    it went the ORM's way (on PostgreSQL a known one is not read back)."""
    sid = params.get("RecordingSid", "")
    status = params.get("RecordingStatus", "")
    if not sid.startswith("RE"):
        raise refuse("RecordingSid is missing or not a recording's SID.", "invalid", "RecordingSid")
    if status not in RecordingStatus.values:
        raise refuse(f"Unknown RecordingStatus {status!r}.", "invalid", "RecordingStatus")
    if connection.vendor == "postgresql" and _recorded_in_one_statement(
        params, sid, status, recording_id
    ):
        return None
    fingerprint = f"{sid}:{status}"
    with transaction.atomic():
        recording = _locked_recording_of(params, sid, recording_id)
        # Under the recording's row lock, a look is enough: no two callbacks of one
        # recording get here at once, so a retry or a duplicate is found, not raced.
        if RecordingEvent.objects.filter(fingerprint=fingerprint).exists():
            return recording
        RecordingEvent.objects.create(
            recording=recording, status=status, fingerprint=fingerprint, params=dict(params)
        )
        _apply(recording, params, status)
    return recording


def _recorded_in_one_statement(
    params: Mapping[str, str], sid: str, status: str, recording_id: int | None
) -> bool:
    duration = _int(params.get("RecordingDuration"))
    return record_in_one_statement(
        recording_id=recording_id,
        sid=sid,
        status=status,
        params=params,
        channels=_int(params.get("RecordingChannels")),
        started_at=_time(params.get("RecordingStartTime")),
        finished=status in FINISHED,
        duration=duration if duration is not None and duration >= 0 else None,
        error_code=_int(params.get("ErrorCode")),
    )


def _locked_recording_of(params: Mapping[str, str], sid: str, recording_id: int | None):
    found = Recording.objects.select_for_update(of=("self",))
    recording = found.filter(pk=recording_id).first() if recording_id else None
    recording = recording or found.filter(sid=sid).first()
    if recording is not None:
        if recording.sid and recording.sid != sid:
            raise refuse("This callback is another recording's.", "invalid", "RecordingSid")
        return recording
    call = Call.objects.filter(sid=params.get("CallSid", "")).first()
    if call is None:
        raise refuse("No call of ours has this CallSid.", "unknown-call", "CallSid")
    return Recording.objects.create(
        sid=sid,
        call=call,
        status=RecordingStatus.IN_PROGRESS,
        origin=Source.TWILIO,
        retention_days=DEFAULT_RETENTION_DAYS,
    )


def _apply(recording: Recording, params: Mapping[str, str], status: str) -> None:
    """Keep what the callback tells; only the fields it changes are written."""
    told = {
        "sid": params["RecordingSid"],
        "conference_sid": params.get("ConferenceSid", "") or recording.conference_sid,
        "media_url": params.get("RecordingUrl", "") or recording.media_url,
        "channels": _int(params.get("RecordingChannels")) or recording.channels,
        "started_at": recording.started_at or _time(params.get("RecordingStartTime")),
    }
    if status in FINISHED:
        duration = _int(params.get("RecordingDuration"))
        told["duration"] = duration if duration is not None and duration >= 0 else None
        told["completed_at"] = recording.completed_at or timezone.now()
        told["error_code"] = _int(params.get("ErrorCode")) or recording.error_code
    if moves_forward(recording.status, status):
        told["status"] = status
    changed = [name for name, value in told.items() if getattr(recording, name) != value]
    for name in changed:
        setattr(recording, name, told[name])
    if changed:
        recording.save(update_fields=changed)


def _int(value: str | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _time(value: str | None):
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return parse_datetime(value)
