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
from .models import FINAL_STATUSES, Call, CallEvent, CallStatus, Direction, EventKind

PROGRESS_STATUSES = frozenset(
    {CallStatus.QUEUED, CallStatus.INITIATED, CallStatus.RINGING, CallStatus.IN_PROGRESS}
)
# The longest value of each parameter a column keeps as Twilio sent it.
LONGEST = {
    "CallSid": Call._meta.get_field("sid").max_length,
    "ParentCallSid": Call._meta.get_field("sid").max_length,
    "AccountSid": Call._meta.get_field("account_sid").max_length,
    "From": Call._meta.get_field("from_number").max_length,
    "To": Call._meta.get_field("to_number").max_length,
    "AnsweredBy": Call._meta.get_field("answered_by").max_length,
    "CallStatus": CallEvent._meta.get_field("call_status").max_length,
}
# Parameters that are counts (seconds, sequence numbers): whole numbers a
# PositiveIntegerField holds.
COUNTS = ("SequenceNumber", "CallDuration", "DialCallDuration")
LARGEST_COUNT = 2**31 - 1


def check_values(params) -> None:
    """Refuse what no column can hold: a NUL byte anywhere (PostgreSQL's text and
    JSON cannot keep one), a value longer than its column, a count out of range.

    Raises RuleViolation naming the parameter. Run on every webhook's query and
    form (`calls.signatures.twilio_webhook`) before anything is recorded.
    """
    for name, values in _lists(params):
        if "\x00" in name or any("\x00" in value for value in values):
            raise RuleViolation(f"{name!r} holds a NUL byte.", field=name)
        for value in values:
            _within_its_column(name, value)
    for name in COUNTS:
        count(params, name)


def _lists(params):
    return params.lists() if hasattr(params, "lists") else ((k, [v]) for k, v in params.items())


def count(params, name: str) -> int | None:
    """The parameter `name` as a whole number from 0 to LARGEST_COUNT; None when absent.

    Raises RuleViolation for anything else: Twilio sends none, and no column holds it.
    """
    value = params.get(name)
    if value in (None, ""):
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > LARGEST_COUNT:
        raise RuleViolation(f"{name} must be a whole number from 0 to {LARGEST_COUNT}.", field=name)
    return int(value)


def call_sid(params) -> str:
    sid = params.get("CallSid", "")
    if not sid:
        raise RuleViolation("The request has no CallSid.", field="CallSid")
    return _within_its_column("CallSid", sid)


def _within_its_column(name: str, value: str) -> str:
    longest = LONGEST.get(name)
    if longest is not None and len(value) > longest:
        raise RuleViolation(f"{name} is longer than {longest} characters.", field=name)
    return value


def our_call_id(query) -> int | None:
    """Our call's id, which the status callback URL carries as `call`; None when absent."""
    return count(query, "call")


def status_event_fields(params) -> dict:
    """A status callback's event: kind, call_status, sequence_number, timestamp and the
    fingerprint a repeat of it shares (its SequenceNumber, else source and status)."""
    sequence = count(params, "SequenceNumber")
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
        "duration": count(params, "CallDuration"),
    }
    if status == CallStatus.IN_PROGRESS:
        changes.update(start_time=moment, answered_at=moment or timezone.now())
    elif status in FINAL_STATUSES:
        changes["end_time"] = moment
    return {field: value for field, value in changes.items() if value not in (None, "")}


def described_call(params, *, source: str = "twilio") -> Call:
    """The unsaved Call a webhook's parameters describe (its parent, found by
    `parent_sid`, left to the caller)."""
    direction = params.get("Direction", "")
    if direction not in Direction.values:
        direction = Direction.OUTBOUND_DIAL if params.get("ParentCallSid") else Direction.INBOUND
    status = params.get("CallStatus", "")
    return Call(
        sid=call_sid(params),
        account_sid=params.get("AccountSid", ""),
        parent_sid=params.get("ParentCallSid", ""),
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
