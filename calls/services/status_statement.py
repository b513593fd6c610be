"""A status callback for a call we already know, recorded in one SQL statement.

Status callbacks are most of the webhook traffic, and each round trip to the
database costs more than the rest of the request (on a busy host, a
round trip is a process wake-up). So the whole recording of an event for a
known SID is one statement, committed on its own in autocommit:

1. insert the event, `ON CONFLICT (fingerprint) DO NOTHING`: a repeat (even one
   arriving at the same moment) inserts nothing, so it writes nothing and its
   commit needs no WAL flush;
2. only when the event is new: lock the call row (`FOR NO KEY UPDATE`, which
   the event's foreign key check does not conflict with), so events of one call
   apply one at a time, each seeing the status the previous one left;
3. move the status forward by STATUS_RANK (a final state is final), fill the
   fields still empty, stamp `last_event_at`;
4. when this event ends the call: skip the call's own scheduled redirects, and
   mark `queued` its parent's redirects waiting for a leg to end;
5. attach the call to its parent when it is a leg heard of before its parent
   was known, and attach to the call its own such legs (`parent_sid`).

It returns the call as it now is (with its parent, which listeners to a leg's
news look at), the status it had, and the redirects it queued, for the caller
to hand to workers. A SID seen for the first time (a `<Dial>` leg) is inserted
with its first event by `insert_with_first_event`, one statement too. Both run
on the backend's `prepared_cursor()`: planned once per connection, rows read
in binary. The rules are those of `events._apply` and `call_end.settle_call_end`,
which the other paths (answer request, REST snapshots, SQLite) use;
tests/calls/test_status_parity.py replays the same callbacks through both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection, models

from ..models import (
    FINAL_STATUSES,
    STATUS_RANK,
    Call,
    CallEvent,
    Redirect,
    RedirectState,
    RedirectTrigger,
)

_CALL_TABLE = Call._meta.db_table
_EVENT_TABLE = CallEvent._meta.db_table
_REDIRECT_TABLE = Redirect._meta.db_table

_CALL_COLUMNS = [field.column for field in Call._meta.concrete_fields]
_CALL_ATTNAMES = [field.attname for field in Call._meta.concrete_fields]
# What listeners look at in a leg's parent; the rest of it is loaded on demand.
_PARENT_ATTNAMES = ["id", "sid", "direction", "status", "source"]
_FINAL = ", ".join(f"'{status}'" for status in sorted(FINAL_STATUSES))
SKIPPED_AT_END = "The call ended before the redirect was due."


@dataclass(frozen=True)
class Recorded:
    """What the statement did: the event (None for a repeat), the call's move, and
    the ids of the redirects it queued (to send once committed)."""

    event: CallEvent | None
    call: Call | None
    previous_status: str
    queued_redirects: tuple[int, ...] = ()


def record_for_known_sid(
    sid: str, event_fields: dict, params: dict, changes: dict
) -> Recorded | None:
    """Record the event on the call with this SID; None when no call has this SID yet.

    `event_fields`: kind, call_status, sequence_number, timestamp, fingerprint.
    `changes`: the call's fields to fill where still empty.
    """
    arguments = {
        **_event_arguments(event_fields, params),
        "sid": sid,
        "outranked": _outranked_by(event_fields["call_status"]),
        **{f"fill_{name}": value for name, value in changes.items()},
    }
    return _recorded(_statement(tuple(sorted(changes))), arguments, event_fields, params)


def insert_with_first_event(
    call: Call, parent_sid: str, event_fields: dict, params: dict
) -> Recorded | None:
    """Insert the unsaved `call`, already as its first event leaves it, with that event;
    None when its SID is known by now (a concurrent first sight won: record it as known).

    Where `insert_on_first_sight` and `record_for_known_sid` take two statements
    in a transaction (four round trips), this is one, in autocommit: the call
    and its first event are one row each of the same statement, so neither is
    ever stored without the other.
    """
    arguments = {
        **_event_arguments(event_fields, params),
        **_values_to_insert(call, parent_sid),
    }
    return _recorded(_first_sight_statement(), arguments, event_fields, params)


def _event_arguments(event_fields: dict, params: dict) -> dict:
    return {**event_fields, "params": json.dumps(params)}


def _recorded(statement: str, arguments: dict, event_fields: dict, params: dict) -> Recorded | None:
    """Run a recording statement and read its row (see `_statement`) as a `Recorded`."""
    with connection.prepared_cursor() as cursor:
        cursor.execute(statement, arguments)
        row = cursor.fetchone()
    if row is None:
        return None
    event_id, received_at, previous_status, queued, *values = row
    if event_id is None:
        return Recorded(event=None, call=None, previous_status=previous_status)
    call = Call.from_db(connection.alias, _CALL_ATTNAMES, values[: len(_CALL_ATTNAMES)])
    if call.parent_id is not None:
        call.parent = Call.from_db(
            connection.alias, _PARENT_ATTNAMES, values[len(_CALL_ATTNAMES) :]
        )
    event = CallEvent(
        id=event_id, call=call, params=params, received_at=received_at, **event_fields
    )
    return Recorded(
        event=event, call=call, previous_status=previous_status, queued_redirects=tuple(queued)
    )


def insert_on_first_sight(call: Call, parent_sid: str) -> bool:
    """Insert the unsaved `call` unless its SID is known; whether this inserted it.

    One statement where `get_or_create` takes four (and a fifth for the parent):
    the parent is found by its SID inside it, and a concurrent first sight of the
    same SID waits for this one and then inserts nothing (`ON CONFLICT`).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_CALL_TABLE} ({_INSERTED_COLUMNS}) VALUES ({_INSERTED_VALUES}) "
            "ON CONFLICT (sid) DO NOTHING RETURNING id",
            _values_to_insert(call, parent_sid),
        )
        return cursor.fetchone() is not None


_INSERTED_FIELDS = [field for field in Call._meta.concrete_fields if not field.primary_key]
_INSERTED = [f"call_{field.attname}" for field in _INSERTED_FIELDS]
_INSERTED_COLUMNS = ", ".join(f'"{field.column}"' for field in _INSERTED_FIELDS)
_INSERTED_VALUES = ", ".join(
    f"(SELECT id FROM {_CALL_TABLE} WHERE sid = %({name})s)"
    if field.name == "parent"
    else f"%({name})s"
    for field, name in zip(_INSERTED_FIELDS, _INSERTED, strict=True)
)


def _values_to_insert(call: Call, parent_sid: str) -> dict:
    """The unsaved call's column values by parameter name (the parent by its SID), as
    `save()` would write them."""
    return {
        name: parent_sid or None
        if field.name == "parent"
        else field.get_db_prep_save(field.pre_save(call, add=True), connection)
        for field, name in zip(_INSERTED_FIELDS, _INSERTED, strict=True)
    }


def _outranked_by(status: str) -> str:
    """The statuses `status` moves a call forward from (of a lower rank, not final),
    comma-separated: a text parameter costs a fraction of an array's to send."""
    rank = STATUS_RANK.get(status)
    if rank is None:
        return ""
    lower = [other for other, its_rank in STATUS_RANK.items() if its_rank < rank]
    return ",".join(other for other in lower if other not in FINAL_STATUSES)


@lru_cache
def _statement(filled: tuple[str, ...]) -> str:
    """The statement for the fields this callback may fill (its text varies only by those).

    Kept short, on one line: psycopg caches the conversion of statements up to 4 kB.
    """
    assignments = [
        "status = CASE WHEN call.status = ANY(string_to_array(%(outranked)s, ',')) "
        "THEN %(call_status)s ELSE call.status END",
        "last_event_at = now()",
        "updated_at = now()",
        f"parent_id = COALESCE(call.parent_id, ({_PARENT_BY_SID}))",
        *(_fill_if_empty(name) for name in filled),
    ]
    returned = ", ".join(f'call."{column}"' for column in _CALL_COLUMNS)
    parent = ", ".join(f'parent."{name}"' for name in _PARENT_ATTNAMES)
    statement = f"""
        WITH known AS (
            SELECT id FROM {_CALL_TABLE} WHERE sid = %(sid)s
        ), event AS (
            {_insert_event("known")}
        ), previous AS (
            SELECT call.id, call.status
            FROM {_CALL_TABLE} AS call JOIN event ON event.call_id = call.id
            FOR NO KEY UPDATE OF call
        ), moved AS (
            UPDATE {_CALL_TABLE} AS call SET {", ".join(assignments)}
            FROM previous
            WHERE call.id = previous.id
            RETURNING {returned}
        ), ended AS (
            SELECT moved.id, moved.parent_id FROM moved JOIN previous ON previous.id = moved.id
            WHERE moved.status IN ({_FINAL}) AND previous.status NOT IN ({_FINAL})
        ), skipped AS (
            UPDATE {_REDIRECT_TABLE}
            SET state = '{RedirectState.SKIPPED}', finished_at = now(),
                error_message = '{SKIPPED_AT_END}'
            WHERE state = '{RedirectState.SCHEDULED}' AND call_id IN (SELECT id FROM ended)
        ), queued AS (
            {_queue_waiting_for_leg("SELECT parent_id FROM ended")}
        ), adopted AS (
            {_adopt_legs("moved")}
        )
        SELECT event.id, event.received_at, previous.status, ARRAY(SELECT id FROM queued),
            moved.*, {parent}
        FROM known
        LEFT JOIN event ON TRUE LEFT JOIN previous ON TRUE LEFT JOIN moved ON TRUE
        LEFT JOIN {_CALL_TABLE} AS parent ON parent.id = moved.parent_id
    """
    return " ".join(statement.split())


@lru_cache
def _first_sight_statement() -> str:
    """`_statement` for a call seen for the first time, inserted as its event leaves it.

    A new call has no redirects of its own; its end may be what its parent's
    redirects wait for.
    """
    returned = ", ".join(f'"{column}"' for column in _CALL_COLUMNS)
    parent = ", ".join(f'parent."{name}"' for name in _PARENT_ATTNAMES)
    statement = f"""
        WITH inserted AS (
            INSERT INTO {_CALL_TABLE} ({_INSERTED_COLUMNS}) VALUES ({_INSERTED_VALUES})
            ON CONFLICT (sid) DO NOTHING
            RETURNING {returned}
        ), event AS (
            {_insert_event("inserted")}
        ), queued AS (
            {_queue_waiting_for_leg(f"SELECT parent_id FROM inserted WHERE status IN ({_FINAL})")}
        ), adopted AS (
            {_adopt_legs("inserted")}
        )
        SELECT event.id, event.received_at, '', ARRAY(SELECT id FROM queued),
            inserted.*, {parent}
        FROM inserted
        LEFT JOIN event ON TRUE
        LEFT JOIN {_CALL_TABLE} AS parent ON parent.id = inserted.parent_id
    """
    return " ".join(statement.split())


def _insert_event(source: str) -> str:
    """Insert the callback's event for the call in `source`; nothing for a repeat."""
    return f"""
        INSERT INTO {_EVENT_TABLE} (
            call_id, kind, call_status, sequence_number, timestamp, fingerprint, params,
            received_at
        )
        SELECT id, %(kind)s, %(call_status)s, %(sequence_number)s, %(timestamp)s,
            %(fingerprint)s, %(params)s::jsonb, now()
        FROM {source}
        ON CONFLICT (fingerprint) DO NOTHING
        RETURNING id, call_id, received_at
    """


def _queue_waiting_for_leg(parents: str) -> str:
    """Queue the redirects of the calls in `parents` that wait for a leg to end."""
    return f"""
        UPDATE {_REDIRECT_TABLE} SET state = '{RedirectState.QUEUED}'
        WHERE state = '{RedirectState.SCHEDULED}' AND trigger = '{RedirectTrigger.LEG_ENDED}'
            AND call_id IN ({parents})
        RETURNING id
    """


# A leg whose parent was not known at its first sight: its parent, when known by now.
_PARENT_BY_SID = (
    f"SELECT known_parent.id FROM {_CALL_TABLE} AS known_parent "
    "WHERE known_parent.sid = NULLIF(call.parent_sid, '')"
)


def _adopt_legs(parents: str) -> str:
    """Attach to the calls in `parents` their legs heard of before them (a leg's first
    callback can come before its parent's, or before our create's answer)."""
    return f"""
        UPDATE {_CALL_TABLE} AS leg SET parent_id = parent.id
        FROM {parents} AS parent
        WHERE leg.parent_id IS NULL AND leg.parent_sid <> '' AND leg.parent_sid = parent.sid
            AND leg.id <> parent.id
    """


def _fill_if_empty(name: str) -> str:
    """`column = its value, or ours where it is still empty ('' or NULL)`."""
    field = Call._meta.get_field(name)
    column = f'call."{field.column}"'
    current = f"NULLIF({column}, '')" if isinstance(field, models.CharField) else column
    return f'"{field.column}" = COALESCE({current}, %(fill_{name})s)'
