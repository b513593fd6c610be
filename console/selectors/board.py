"""What the live board shows: queues, agents, callers waiting, calls in progress, and
recent actions.

A few queries whatever the size of the floor: open queue stays with their call,
queue and agent; other live calls with their campaign; the actions scheduled on
them; every agent; available agents per queue; each queue's live and daily
figures (`queues.selectors`, `queues.figures`: never computed here); the latest
supervisor actions (redirects, conversation actions, recording actions: one query
each); and the names of every call shown (`attach_context`, once for
all of them), so each is named by its parties, as everywhere else.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import F
from django.utils import timezone

from callcenter.formats import duration
from calls.exceptions import RuleViolation
from calls.models import (
    LIVE_STATUSES,
    Call,
    CallStatus,
    Redirect,
    RedirectState,
    Source,
)
from calls.presenters import attach_context, far_party_html, far_party_label, when_due
from conversations.models import ConversationAction, Origin
from conversations.registry import kind_named
from queues.models import (
    OPEN_ENTRY_STATUSES,
    Agent,
    AgentStatus,
    EntryStatus,
    QueueEntry,
)
from recordings.models import RecordingAction

from .floor import AgentRow, QueueTile, agent_rows, queue_tiles, seconds_since

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
        """Whoever is on the far side: "Ann (+1 415-555-0123)"."""
        return far_party_label(self.call)

    @property
    def party_cell(self) -> str:
        """The far side for the row's heading: the name above the number."""
        return far_party_html(self.call)

    @property
    def elapsed(self) -> str:
        return duration(self.seconds)

    @property
    def is_waiting(self) -> bool:
        return self.entry is not None and self.entry.status == EntryStatus.WAITING


@dataclass(frozen=True)
class RecentAction:
    """A change a supervisor asked for, whatever it acts on (the call, its conversation
    or its recording): when, who, what, on which call, and how it went."""

    at: dt.datetime
    who: AbstractBaseUser | None
    what: str
    call: Call
    state: str
    result: str
    error_code: int | None
    error_message: str

    @classmethod
    def of(cls, record, what: str, call: Call) -> RecentAction:
        """From a Redirect, ConversationAction or RecordingAction (the fields they share)."""
        return cls(
            record.created_at,
            record.requested_by,
            what,
            call,
            record.state,
            record.get_state_display(),
            record.error_code,
            record.error_message,
        )


@dataclass(frozen=True)
class Board:
    waiting: list[BoardRow]
    in_progress: list[BoardRow]
    more_waiting: int
    more_in_progress: int
    available_agents: dict[int, list[Agent]]
    recent_actions: list[RecentAction]
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
    board = Board(
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
    attach_context(shown_calls(board))
    return board


def shown_calls(board: Board) -> list[Call]:
    """Every call the board names: its rows', its agents' and its recent actions'."""
    return [
        *(row.call for row in board.waiting + board.in_progress),
        *(row.call for row in board.agents if row.call is not None),
        *(action.call for action in board.recent_actions),
    ]


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
    attach_context([row.call])
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


def recent_actions(now: dt.datetime) -> list[RecentAction]:
    """The latest changes supervisors asked for on their screens, newest first, with how
    each went: redirects, conversation actions (hold, transfer, whisper…) and recording
    actions, the latest few of each read and merged."""
    since = now - RECENT_ACTIONS_WINDOW
    redirects = Redirect.objects.filter(origin=Source.ADMIN, created_at__gte=since)
    conversation_actions = ConversationAction.objects.filter(
        origin__in=(Origin.BOARD, Origin.ADMIN), created_at__gte=since
    )
    recording_actions = RecordingAction.objects.filter(origin=Source.ADMIN, created_at__gte=since)
    actions = [
        *(
            RecentAction.of(r, _redirect_label(r), r.call)
            for r in _latest(redirects.select_related("call", "requested_by"))
        ),
        *(
            RecentAction.of(a, _kind_label(a.kind), a.call)
            for a in _latest(conversation_actions.select_related("call", "requested_by"))
        ),
        *(
            RecentAction.of(a, f"{a.get_kind_display()} recording", a.recording.call)
            for a in _latest(recording_actions.select_related("recording__call", "requested_by"))
        ),
    ]
    actions.sort(key=lambda action: action.at, reverse=True)
    return actions[:RECENT_ACTIONS]


def _latest(records):
    return records.order_by("-created_at", "-id")[:RECENT_ACTIONS]


def _redirect_label(redirect: Redirect) -> str:
    label = redirect.get_action_display()
    return f"{label} ({redirect.reason})" if redirect.reason else label


def _kind_label(name: str) -> str:
    """The button's label of a conversation action kind; its name for a kind since retired."""
    try:
        return kind_named(name).label
    except RuleViolation:
        return name
