"""What Twilio's webhook parameters say, read once: the CallSid, a status
callback's event and the call fields it fills, the call a first sight describes.

Twilio posts form fields (`CallSid`, `CallStatus`, `SequenceNumber`,
`Timestamp` in RFC 2822, ...); the services record what these functions read,
on every path alike. Nothing here touches the database.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from django.utils import timezone

from .exceptions import RuleViolation
from .models import FINAL_STATUSES, Call, CallStatus, Direction, EventKind

PROGRESS_STATUSES = frozenset(
    {CallStatus.QUEUED, CallStatus.INITIATED, CallStatus.RINGING, CallStatus.IN_PROGRESS}
)


def call_sid(params) -> str:
    sid = params.get("CallSid", "")
    if not sid:
        raise RuleViolation("The request has no CallSid.", field="CallSid")
    return sid


def status_event_fields(params) -> dict:
    """A status callback's event: kind, call_status, sequence_number, timestamp and the
    fingerprint a repeat of it shares (its SequenceNumber, else source and status)."""
    sequence = _int_or_none(params.get("SequenceNumber"))
    status = params.get("CallStatus", "")
    source = params.get("CallbackSource", "call-progress-events")
    tail = sequence if sequence is not None else f"{source}:{status}"
    return {
        "kind": EventKind.STATUS,
        "call_status": status,
        "sequence_number": sequence,
        "timestamp": timestamp(params),
        "fingerprint": f"{call_sid(params)}:status:{tail}"[:120],
    }


def status_changes(params) -> dict:
    """The call's fields a status callback tells (those it leaves empty left out)."""
    status = params.get("CallStatus", "")
    moment = timestamp(params)
    changes = {
        "account_sid": params.get("AccountSid", ""),
        "from_number": params.get("From", ""),
        "to_number": params.get("To", ""),
        "answered_by": params.get("AnsweredBy", ""),
        "duration": _int_or_none(params.get("CallDuration")),
    }
    if status == CallStatus.IN_PROGRESS:
        changes.update(start_time=moment, answered_at=moment or timezone.now())
    elif status in FINAL_STATUSES:
        changes["end_time"] = moment
    return {field: value for field, value in changes.items() if value not in (None, "")}


def described_call(params, *, source: str = "twilio") -> Call:
    """The unsaved Call a webhook's parameters describe (its parent left to the caller)."""
    direction = params.get("Direction", "")
    if direction not in Direction.values:
        direction = Direction.OUTBOUND_DIAL if params.get("ParentCallSid") else Direction.INBOUND
    status = params.get("CallStatus", "")
    return Call(
        sid=call_sid(params),
        account_sid=params.get("AccountSid", ""),
        direction=direction,
        from_number=params.get("From", ""),
        to_number=params.get("To", ""),
        status=status if status in PROGRESS_STATUSES else CallStatus.QUEUED,
        source=source,
    )


def plain(params) -> dict:
    """A request's QueryDict as JSON keeps it: one value as is, repeated keys as a list."""
    if hasattr(params, "lists"):
        return {key: values[0] if len(values) == 1 else values for key, values in params.lists()}
    return dict(params)


def timestamp(params):
    """The request's `Timestamp` (RFC 2822) as a datetime; None when missing or unreadable."""
    value = params.get("Timestamp")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
