"""What the live board shows: queues, agents, callers waiting, calls in progress, and
recent actions.

A few queries whatever the size of the floor: open queue stays with their call,
queue and agent; other live calls with their campaign; the actions scheduled on
them; every agent; available agents per queue; each queue's live and daily
figures (`queues.selectors`, `queues.figures`: never computed here); the latest
supervisor actions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from calls.models import (
    LIVE_STATUSES,
    Call,
    CallStatus,
    Redirect,
    RedirectState,
    Source,
)
from queues.models import (
    OPEN_ENTRY_STATUSES,
    Agent,
    AgentStatus,
    EntryStatus,
    QueueEntry,
)

from ..naming import clock, seconds_since, when_due
from .floor import AgentRow, QueueTile, agent_rows, queue_tiles

ROWS_LIMIT = 100
RECENT_ACTIONS = 8
RECENT_ACTIONS_WINDOW = dt.timedelta(minutes=30)
WAITING_STATUSES = (EntryStatus.WAITING, EntryStatus.OFFERED)


@dataclass(frozen=True)
class ScheduledChange:
    """A change of a live call waiting for its time: what it does and when."""

    redirect: Redirect

    @property
    def description(self) -> str:
        """ "Hang up at 14:10", "Redirect when the agent hangs up"."""
        return f"{self.redirect.get_action_display()} {when_due(self.redirect)}"


@dataclass(frozen=True)
class BoardRow:
    """A live call, with its open queue stay if it has one, and the changes
    scheduled on it that have not happened yet."""

    call: Call
    entry: QueueEntry | None
    state: str
    since: dt.datetime
    seconds: int
    campaign: str = ""
    scheduled: tuple[ScheduledChange, ...] = ()

    @property
    def party(self) -> str:
        return self.call.far_number

    @property
    def elapsed(self) -> str:
        return clock(self.seconds)

    @property
    def is_waiting(self) -> bool:
        return self.entry is not None and self.entry.status == EntryStatus.WAITING


@dataclass(frozen=True)
class Board:
    waiting: list[BoardRow]
    in_progress: list[BoardRow]
    more_waiting: int
    more_in_progress: int
    available_agents: dict[int, list[Agent]]
    recent_actions: list[Redirect]
    at: dt.datetime
    agents: list[AgentRow]
    queues: list[QueueTile]


def live_board(now: dt.datetime | None = None) -> Board:
    now = now or timezone.now()
    open_entries = {
        entry.call_id: entry
        for entry in QueueEntry.objects.filter(status__in=OPEN_ENTRY_STATUSES)
        .select_related("call", "queue", "agent")
        .order_by("queue__name", "rank", "id")
    }
    waiting = [_waiting_row(e, now) for e in open_entries.values() if e.status in WAITING_STATUSES]
    calls = list(
        Call.objects.filter(parent__isnull=True, status__in=LIVE_STATUSES)
        .exclude(pk__in=[row.call.pk for row in waiting])
        .select_related("campaign_attempt__contact__campaign")
        .order_by("created_at", "id")[: ROWS_LIMIT + 1]
    )
    in_progress = [_call_row(call, open_entries.get(call.pk), now) for call in calls]
    shown_waiting, shown_in_progress = with_scheduled(
        waiting[:ROWS_LIMIT], in_progress[:ROWS_LIMIT]
    )
    return Board(
        waiting=shown_waiting,
        in_progress=shown_in_progress,
        more_waiting=max(0, len(waiting) - ROWS_LIMIT),
        more_in_progress=max(0, len(in_progress) - ROWS_LIMIT),
        available_agents=available_agents_by_queue(),
        recent_actions=recent_actions(now),
        at=now,
        agents=agent_rows(open_entries.values(), now),
        queues=queue_tiles(now),
    )


def live_row(call: Call, now: dt.datetime | None = None) -> BoardRow | None:
    """The board's row of one call, or None when the call is not on the board."""
    if call.parent_id is not None or not call.is_live:
        return None
    now = now or timezone.now()
    entry = (
        QueueEntry.objects.filter(call=call, status__in=OPEN_ENTRY_STATUSES)
        .select_related("call", "queue", "agent")
        .first()
    )
    if entry is not None and entry.status in WAITING_STATUSES:
        row = _waiting_row(entry, now)
    else:
        row = _call_row(call, entry, now)
    [[row]] = with_scheduled([row])
    return row


def with_scheduled(*row_lists: list[BoardRow]) -> list[list[BoardRow]]:
    """The rows, each with the changes scheduled on its call that have not happened yet
    (a time to come, or the end of the agent's leg), soonest first."""
    call_ids = [row.call.pk for rows in row_lists for row in rows]
    scheduled: dict[int, list[ScheduledChange]] = defaultdict(list)
    pending = Redirect.objects.filter(
        call_id__in=call_ids, state=RedirectState.SCHEDULED
    ).select_related("requested_by")
    for redirect in pending.order_by(F("due_at").asc(nulls_last=True), "id"):
        scheduled[redirect.call_id].append(ScheduledChange(redirect))
    return [
        [dataclasses.replace(row, scheduled=tuple(scheduled[row.call.pk])) for row in rows]
        for rows in row_lists
    ]


def _waiting_row(entry: QueueEntry, now: dt.datetime) -> BoardRow:
    if entry.status == EntryStatus.OFFERED:
        state = f"Ringing {entry.agent}"
    else:
        state = f"On hold in {entry.queue}"
    return _row(entry.call, entry, state, entry.enqueued_at, now)


def _call_row(call: Call, entry: QueueEntry | None, now: dt.datetime) -> BoardRow:
    attempt = getattr(call, "campaign_attempt", None)
    campaign = attempt.contact.campaign.name if attempt is not None else ""
    if entry is not None:
        return _row(
            call,
            entry,
            f"Talking to {entry.agent}",
            entry.answered_at or entry.dequeued_at,
            now,
            campaign,
        )
    if call.status == CallStatus.IN_PROGRESS:
        since = call.answered_at or call.start_time or call.created_at
        return _row(call, None, "In progress", since, now, campaign)
    state = "Ringing" if call.status == CallStatus.RINGING else "Dialing"
    return _row(call, None, state, call.created_at, now, campaign)


def _row(
    call: Call,
    entry: QueueEntry | None,
    state: str,
    since: dt.datetime | None,
    now: dt.datetime,
    campaign: str = "",
) -> BoardRow:
    since = since or call.created_at
    return BoardRow(call, entry, state, since, seconds_since(since, now), campaign)


def available_agents_by_queue() -> dict[int, list[Agent]]:
    """Agents free to take a caller, longest idle first, under each queue they serve."""
    memberships = (
        Agent.queues.through.objects.filter(agent__status=AgentStatus.AVAILABLE)
        .select_related("agent")
        .order_by("agent__idle_since", "agent__name", "agent_id")
    )
    by_queue: dict[int, list[Agent]] = defaultdict(list)
    for membership in memberships:
        by_queue[membership.queue_id].append(membership.agent)
    return dict(by_queue)


def recent_actions(now: dt.datetime) -> list[Redirect]:
    """The latest changes supervisors asked for in the admin, with how each went."""
    return list(
        Redirect.objects.filter(origin=Source.ADMIN, created_at__gte=now - RECENT_ACTIONS_WINDOW)
        .select_related("call", "requested_by")
        .order_by("-created_at", "-id")[:RECENT_ACTIONS]
    )
