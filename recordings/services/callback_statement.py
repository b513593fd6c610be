"""A recording status callback for a recording we know, in one SQL statement
(PostgreSQL), as `calls.services.status_statement` does for call callbacks, on
the backend's `prepared_cursor()` (planned once per connection).

1. find the recording by our id (the callback URL's `?recording=`) or its SID,
   never one that already has another SID;
2. insert the event, `ON CONFLICT (fingerprint) DO NOTHING`: a repeat inserts
   nothing and changes nothing;
3. only for a new event: lock the recording's row (`FOR NO KEY UPDATE`) and
   keep what the callback tells: the SID, media URL, channels, start; the
   duration and end once finished; the status moved forward only
   (RECORDING_STATUS_RANK).

It answers whether the recording was found: one that is not (a recording Twilio
started on its own) goes the ORM's way (`callbacks._locked_recording_of`),
whose rules this statement follows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache

from django.db import connection

from ..models import RECORDING_STATUS_RANK, Recording, RecordingEvent

_RECORDING_TABLE = Recording._meta.db_table
_EVENT_TABLE = RecordingEvent._meta.db_table


@lru_cache(maxsize=1)
def _statement() -> str:
    ranks = " ".join(
        f"WHEN '{status}' THEN {rank}" for status, rank in RECORDING_STATUS_RANK.items()
    )
    return f"""
WITH target AS (
    SELECT id FROM {_RECORDING_TABLE}
    WHERE (id = %(id)s::bigint OR (%(id)s::bigint IS NULL AND sid = %(sid)s::text))
      AND (sid IS NULL OR sid = %(sid)s::text)
),
event AS (
    INSERT INTO {_EVENT_TABLE} (recording_id, status, fingerprint, params, received_at)
    SELECT id, %(status)s::text, %(fingerprint)s::text, %(params)s::jsonb, now() FROM target
    ON CONFLICT (fingerprint) DO NOTHING
    RETURNING recording_id
),
locked AS (
    SELECT r.id, r.status FROM {_RECORDING_TABLE} r JOIN event e ON r.id = e.recording_id
    FOR NO KEY UPDATE OF r
),
updated AS (
    UPDATE {_RECORDING_TABLE} r SET
        sid = %(sid)s::text,
        conference_sid = COALESCE(NULLIF(%(conference_sid)s::text, ''), r.conference_sid),
        media_url = COALESCE(NULLIF(%(media_url)s::text, ''), r.media_url),
        channels = COALESCE(%(channels)s::smallint, r.channels),
        started_at = COALESCE(r.started_at, %(started_at)s::timestamptz),
        duration = CASE WHEN %(finished)s::boolean THEN %(duration)s::integer ELSE r.duration END,
        completed_at = CASE WHEN %(finished)s::boolean THEN COALESCE(r.completed_at, now())
                            ELSE r.completed_at END,
        error_code = CASE WHEN %(finished)s::boolean
                          THEN COALESCE(%(error_code)s::integer, r.error_code)
                          ELSE r.error_code END,
        status = CASE WHEN (CASE locked.status {ranks} ELSE -1 END) < %(rank)s::integer
                      THEN %(status)s::text ELSE locked.status END
    FROM locked WHERE r.id = locked.id
    RETURNING r.id
)
SELECT EXISTS (SELECT 1 FROM target)
"""


def record_in_one_statement(
    *,
    recording_id: int | None,
    sid: str,
    status: str,
    params: Mapping[str, str],
    channels: int | None,
    started_at: datetime | None,
    finished: bool,
    duration: int | None,
    error_code: int | None,
) -> bool:
    """Store and apply the callback; False when no recording of ours is found."""
    with connection.prepared_cursor() as cursor:
        cursor.execute(
            _statement(),
            {
                "id": recording_id,
                "sid": sid,
                "status": status,
                "rank": RECORDING_STATUS_RANK.get(status, -1),
                "fingerprint": f"{sid}:{status}",
                "params": json.dumps(dict(params)),
                "conference_sid": params.get("ConferenceSid", ""),
                "media_url": params.get("RecordingUrl", ""),
                "channels": channels,
                "started_at": started_at,
                "finished": finished,
                "duration": duration,
                "error_code": error_code,
            },
        )
        return cursor.fetchone()[0]
