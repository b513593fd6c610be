"""Recording what Twilio tells us: status callbacks, webhook requests, fetched calls.

Every path applies the same rules: missing fields are filled, the status only
moves forward by STATUS_RANK, a final state is final. Rows are locked (`FOR
UPDATE`), and a repeated callback hits the unique fingerprint, so any number of
web workers may receive the same callback at once. Status callbacks for a known
SID, the bulk of the traffic, take one SQL statement (`status_statement`),
which also settles what the end of a call sets off; the other paths go through
`_apply` and `_react`, and `call_end` for the end. What the parameters say is
read by `calls.callback_params`.
"""

from __future__ import annotations

import dataclasses

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ..callback_params import (
    call_sid,
    described_call,
    plain,
    status_changes,
    status_event_fields,
    timestamp,
)
from ..models import FINAL_STATUSES, STATUS_RANK, Call, CallEvent, EventKind
from ..signals import call_status_changed
from ..telephony import TwilioCall
from .call_end import send_redirects_on_commit, settle_call_end
from .common import locked_call
from .status_statement import (
    Recorded,
    insert_on_first_sight,
    insert_with_first_event,
    record_for_known_sid,
)
from .verdicts import decide_outcome_at_end


def record_call_from_webhook(params, *, source: str = "twilio") -> Call:
    """The Call for a CallSid seen in any webhook, created on first sight.

    Inbound calls and `<Dial>` legs are born here; a leg hangs under the call
    named by ParentCallSid.
    """
    return _get_or_create_call(params, source=source)[0]


def _get_or_create_call(params, *, source: str = "twilio") -> tuple[Call, bool]:
    """(the Call for the webhook's CallSid, whether this webhook created it)."""
    parent_sid = params.get("ParentCallSid", "")
    new = described_call(params, source=source)
    defaults = {
        field.attname: getattr(new, field.attname)
        for field in Call._meta.concrete_fields
        if not field.primary_key and field.name not in ("sid", "parent")
    }
    defaults["parent"] = Call.objects.filter(sid=parent_sid).first() if parent_sid else None
    return Call.objects.get_or_create(sid=new.sid, defaults=defaults)


def record_status_event(params, *, call_id: int | None = None) -> CallEvent | None:
    """Store one status callback and move the call forward; None for a duplicate.

    `call_id` is our id from the status callback URL: it binds the Twilio SID to
    a call whose create answer has not been stored yet (or was lost).
    """
    arguments = (
        call_sid(params),
        status_event_fields(params),
        plain(params),
        status_changes(params),
    )
    recorded = _record(arguments)
    is_new = False
    if recorded is None:
        recorded, is_new = _record_first_sight(arguments, params, call_id)
    send_redirects_on_commit(recorded.queued_redirects)
    if recorded.event is not None:
        previous = "" if is_new else recorded.previous_status
        decide_outcome_at_end(recorded.call, previous)
        _announce(recorded.call, previous, recorded.event)
    return recorded.event


def _uses_one_statement() -> bool:
    """Whether status events are recorded by `status_statement` (PostgreSQL's SQL)
    rather than by `_record_with_row_lock` (ORM queries, any database)."""
    return connection.vendor == "postgresql"


def _record(arguments: tuple) -> Recorded | None:
    """The status event recorded on its known call (None when the SID is new)."""
    if _uses_one_statement():
        return record_for_known_sid(*arguments)
    return _record_with_row_lock(*arguments)


def _record_first_sight(arguments: tuple, params, call_id: int | None) -> tuple[Recorded, bool]:
    """(what was recorded, whether its call is new) for a SID not seen before.

    Its call is ours without a SID yet (`call_id`: the callback beat the create
    answer), or is new: created with its first event, both or neither committed,
    so should the event fail, Twilio's retry is a first sight again. When a
    concurrent first sight created the call meanwhile, the event is recorded on it.
    """
    _sid, event_fields, stored_params, changes = arguments
    parent_sid = params.get("ParentCallSid", "")
    if call_id is not None and _bind(params, call_id):
        return _record(arguments), False
    if _uses_one_statement():
        call = described_call(params)
        _filled_and_moved(call, event_fields["call_status"], changes)
        recorded = insert_with_first_event(call, parent_sid, event_fields, stored_params)
        if recorded is not None:
            return recorded, True
    else:
        with transaction.atomic():
            if insert_on_first_sight(described_call(params), parent_sid):
                return _record(arguments), True
    return _record(arguments), False


def record_snapshot(call_id: int, snapshot: TwilioCall, *, as_event: bool = False) -> Call:
    """Apply the call as Twilio's REST API showed it (create answer, fetch, list).

    With `as_event`, the repair is kept as a status event too, so the record
    shows where the change came from.
    """
    with transaction.atomic():
        call = locked_call(call_id)
        event = None
        if as_event:
            params = {
                key: value.isoformat() if hasattr(value, "isoformat") else str(value or "")
                for key, value in dataclasses.asdict(snapshot).items()
            }
            event = store_event(
                call,
                EventKind.STATUS,
                params,
                fingerprint=f"{call.sid}:status:reconciled:{snapshot.status}",
                call_status=snapshot.status,
            )
        changes = {
            field.name: getattr(snapshot, field.name)
            for field in dataclasses.fields(snapshot)
            if field.name not in ("status", "parent_call_sid", "direction", "date_created")
        }
        _apply(call, snapshot.status, changes, event=event)
    return call


def locked_call_for_webhook(params, call_id: int | None = None) -> tuple[Call, bool]:
    """The locked Call a webhook is about, and whether this webhook created it."""
    sid = call_sid(params)
    call = Call.objects.select_for_update().filter(sid=sid).first()
    if call is not None:
        return call, False
    created = _bind_or_create(params, call_id)
    return Call.objects.select_for_update().get(sid=sid), created


def _bind_or_create(params, call_id: int | None) -> bool:
    """Give our call `call_id` the webhook's SID, else create the call; whether created.

    The binding covers a callback that beats the create answer to us (or comes
    after it was lost).
    """
    if call_id is not None and _bind(params, call_id):
        return False
    return _get_or_create_call(params)[1]


def _bind(params, call_id: int) -> bool:
    """Give our call `call_id`, still without a SID, the webhook's; whether it had none."""
    unbound = Call.objects.filter(pk=call_id, sid__isnull=True)
    return bool(unbound.update(sid=call_sid(params), updated_at=timezone.now()))


def store_event(call: Call, kind: str, params, *, fingerprint: str, **fields) -> CallEvent | None:
    """The event, or None when its fingerprint is already stored (a repeat)."""
    params = plain(params)
    try:
        with transaction.atomic():
            return CallEvent.objects.create(
                call=call,
                kind=kind,
                fingerprint=fingerprint[:120],
                params=params,
                timestamp=timestamp(params),
                **fields,
            )
    except IntegrityError:
        return None


def apply_progress(call: Call, status: str, changes: dict, *, event: CallEvent | None) -> None:
    """What a webhook other than a status callback learnt (answer, AMD), or a fetch
    that found no such call at Twilio."""
    _apply(call, status, changes, event=event)


def _record_with_row_lock(
    sid: str, event_fields: dict, params: dict, changes: dict
) -> Recorded | None:
    """`record_for_known_sid` for databases other than PostgreSQL (the embedded
    SQLite default): the same rules in a few ORM queries under the call's lock."""
    with transaction.atomic():
        call = Call.objects.select_for_update().filter(sid=sid).first()
        if call is None:
            return None
        event = store_event(
            call,
            event_fields["kind"],
            params,
            fingerprint=event_fields["fingerprint"],
            call_status=event_fields["call_status"],
            sequence_number=event_fields["sequence_number"],
        )
        if event is None:
            return Recorded(event=None, call=None, previous_status=call.status)
        previous = call.status
        _fill_and_move(call, event_fields["call_status"], changes)
        if call.is_final and previous not in FINAL_STATUSES:
            settle_call_end(call)
    return Recorded(event=event, call=call, previous_status=previous)


def _apply(call: Call, status: str, changes: dict, *, event: CallEvent | None) -> None:
    """Fill what is missing, move the status forward only, save what changed; react."""
    previous = call.status
    _fill_and_move(call, status, changes)
    _react(call, previous, event)


def _fill_and_move(call: Call, status: str, changes: dict) -> None:
    """Save what the news fills and moves; attach legs heard of before their parent.

    A leg's first callback can come before its parent's (or before our create's
    answer): the leg keeps the parent's SID and is attached from either side as
    soon as both rows exist, as `status_statement` does.
    """
    changed = _filled_and_moved(call, status, changes)
    if call.parent_id is None and call.parent_sid:
        call.parent = Call.objects.filter(sid=call.parent_sid).first()
        changed.append("parent")
    call.save(update_fields=changed)
    if call.sid:
        legs = Call.objects.filter(parent__isnull=True, parent_sid=call.sid).exclude(pk=call.pk)
        legs.update(parent=call)


def _filled_and_moved(call: Call, status: str, changes: dict) -> list[str]:
    """Fill what `call` misses and move its status forward, unsaved; the fields changed."""
    changed = ["status", "last_event_at", "updated_at"]
    for field, value in changes.items():
        if value not in (None, "") and getattr(call, field) in (None, ""):
            setattr(call, field, value)
            changed.append(field)
    if _moves_forward(call.status, status):
        call.status = status
    call.last_event_at = timezone.now()
    return changed


def _react(call: Call, previous: str, event: CallEvent | None) -> None:
    """When the status moved: tell listeners once committed, and settle what its end sets off."""
    decide_outcome_at_end(call, previous)
    _announce(call, previous, event)
    if call.is_final and previous not in FINAL_STATUSES:
        settle_call_end(call)


def _announce(call: Call, previous: str, event: CallEvent | None) -> None:
    """When the status moved, tell listeners once committed."""
    if call.status == previous:
        return
    transaction.on_commit(
        lambda: call_status_changed.send(
            sender=Call, call=call, previous_status=previous, event=event
        )
    )


def _moves_forward(current: str, new: str) -> bool:
    if current in FINAL_STATUSES or new not in STATUS_RANK:
        return False
    return STATUS_RANK[new] > STATUS_RANK[current]
