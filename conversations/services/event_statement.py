"""A conference status callback recorded in one SQL statement (PostgreSQL).

Conference callbacks come in bursts (every join, leave, hold, mute of every
room), and each round trip to the database costs more than the rest of the
request; so, as `calls.services.status_statement` does for call callbacks, the
whole recording is one statement, committed on its own:

1. insert the event `ON CONFLICT (conference_sid, sequence_number) DO
   NOTHING`, attached to our conference (by our id from the URL, else by SID):
   a repeat inserts nothing and changes nothing;
2. only when it is new: move the conference forward (init → in-progress →
   completed, never back), keep its first start and end times, learn its SID,
   and raise its newest sequence number;
3. apply a participant's callback to the participant with that call SID (or,
   before Twilio named its call to us, with the label we gave it):
   joined/left times kept once set (one still in a room that has ended left
   with it), and the hold/muted/coaching flags of the newest callback;
4. at the room's end, everyone still in it leaves.

The rules are those of `events` (the ORM path, which other databases use and
which takes over for a participant we did not bring in);
tests/conversations/test_conference_events.py runs on both.
"""

from __future__ import annotations

import json

from django.db import connection

from ..models import Conference, ConferenceEvent, Participant

_CONFERENCE = Conference._meta.db_table
_EVENT = ConferenceEvent._meta.db_table
_PARTICIPANT = Participant._meta.db_table

STATEMENT = f"""
WITH ev AS (
    INSERT INTO {_EVENT} AS e
        (conference_id, conference_sid, sequence_number, event, call_sid, timestamp,
         params, received_at)
    VALUES (
        (SELECT id FROM {_CONFERENCE}
          WHERE id = %(conference_id)s OR sid = %(sid)s
          ORDER BY (id = %(conference_id)s) DESC LIMIT 1),
        %(sid)s, %(sequence)s, %(event)s, %(call_sid)s, %(timestamp)s,
        %(params)s::jsonb, now())
    ON CONFLICT (conference_sid, sequence_number) DO NOTHING
    RETURNING id, conference_id
), conf AS (
    UPDATE {_CONFERENCE} AS c SET
        sid = COALESCE(c.sid, %(sid)s),
        status = CASE
            WHEN %(rank)s > (CASE c.status WHEN 'init' THEN 0 WHEN 'in-progress' THEN 1 ELSE 2 END)
            THEN %(status)s ELSE c.status END,
        started_at = CASE WHEN %(event)s = 'conference-start'
            THEN COALESCE(c.started_at, %(at)s) ELSE c.started_at END,
        ended_at = CASE WHEN %(event)s = 'conference-end'
            THEN COALESCE(c.ended_at, %(at)s) ELSE c.ended_at END,
        ended_reason = CASE WHEN %(event)s = 'conference-end'
            THEN %(reason)s ELSE c.ended_reason END,
        last_sequence = GREATEST(c.last_sequence, %(sequence)s)
    FROM ev WHERE c.id = ev.conference_id
    RETURNING c.id, c.status, c.ended_at
), part AS (
    UPDATE {_PARTICIPANT} AS p SET
        call_sid = %(call_sid)s,
        joined_at = CASE WHEN %(event)s IN ('participant-join', 'participant-leave')
            THEN COALESCE(p.joined_at, %(at)s) ELSE p.joined_at END,
        left_at = COALESCE(p.left_at, CASE
            WHEN %(event)s = 'participant-leave' THEN %(at)s
            WHEN conf.status = 'completed' THEN conf.ended_at END),
        on_hold = CASE WHEN %(sequence)s > p.last_sequence THEN %(hold)s ELSE p.on_hold END,
        muted = CASE WHEN %(sequence)s > p.last_sequence THEN %(muted)s ELSE p.muted END,
        coaching = CASE WHEN %(sequence)s > p.last_sequence
            THEN %(coaching)s ELSE p.coaching END,
        last_sequence = GREATEST(p.last_sequence, %(sequence)s)
    FROM conf
    WHERE %(of_participant)s AND p.conference_id = conf.id
      AND (p.call_sid = %(call_sid)s OR (p.call_sid = '' AND p.label = %(label)s))
    RETURNING p.id
), gone AS (
    UPDATE {_PARTICIPANT} AS p SET left_at = %(at)s
    FROM conf
    WHERE %(event)s = 'conference-end' AND p.conference_id = conf.id
      AND p.joined_at IS NOT NULL AND p.left_at IS NULL
    RETURNING p.id
)
SELECT (SELECT id FROM ev), (SELECT conference_id FROM ev),
       (SELECT count(*) FROM part), (SELECT count(*) FROM gone)
"""


def record_in_one_statement(arguments: dict) -> tuple[int | None, int | None, bool]:
    """(the event's id or None for a repeat, its conference's id, whether a participant
    with the callback's call SID took it)."""
    values = {**arguments, "params": json.dumps(arguments["params"])}
    with connection.prepared_cursor() as cursor:
        cursor.execute(STATEMENT, values)
        event_id, conference_id, applied, _ = cursor.fetchone()
    return event_id, conference_id, bool(applied)
