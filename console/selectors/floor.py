"""The people and queues on the live board: each agent's state, how long they have been
in it and the caller they ring for or talk to; each queue's callers on hold, longest
wait and agents free now, with its service level today.

Each queue's figures come from `queues.selectors` (now) and `queues.figures` (today):
shown here, never computed here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from callcenter.formats import NOTHING, duration
from calls.models import Call
from calls.presenters import far_party_label
from queues import figures
from queues import selectors as queue_selectors
from queues.figures import Waits
from queues.models import ON_A_CALL, Agent, AgentStatus, EntryStatus, Queue, QueueEntry


@dataclass(frozen=True)
class AgentRow:
    """An agent's state, since when, and the caller they are ringing for or talking to."""

    agent: Agent
    seconds: int | None
    call: Call | None

    @property
    def state(self) -> str:
        return self.agent.get_status_display()

    @property
    def call_party(self) -> str:
        return far_party_label(self.call) if self.call is not None else ""

    @property
    def elapsed(self) -> str:
        """How long in this state; unknown for an agent who never moved."""
        return duration(self.seconds)

    @property
    def can_sign_in(self) -> bool:
        return self.agent.status == AgentStatus.OFFLINE

    @property
    def can_sign_out(self) -> bool:
        return self.agent.status in (AgentStatus.AVAILABLE, AgentStatus.WRAP_UP)


@dataclass(frozen=True)
class QueueTile:
    """A queue now (callers on hold, the longest wait, agents free) and today's waits."""

    queue: Queue
    waiting: int
    longest_wait_seconds: int
    agents_available: int
    today: Waits

    @property
    def longest_wait(self) -> str:
        return duration(self.longest_wait_seconds) if self.waiting else NOTHING

    @property
    def service_level(self) -> str:
        level = self.today.service_level
        return NOTHING if level is None else f"{level:.0%}"


def seconds_since(since: dt.datetime, now: dt.datetime) -> int:
    """Whole seconds from `since` to `now`, never below zero (clocks of two hosts)."""
    return max(0, int((now - since).total_seconds()))


def agent_rows(open_entries: Iterable[QueueEntry], now: dt.datetime) -> list[AgentRow]:
    """Every agent by name, with how long in their state and the caller they ring for
    or talk to (from the open queue stays already read)."""
    calls = {
        entry.agent_id: entry.call
        for entry in open_entries
        if entry.agent_id is not None and entry.status != EntryStatus.WAITING
    }
    return [
        AgentRow(
            agent,
            seconds_since(agent.status_changed_at, now) if agent.status_changed_at else None,
            calls.get(agent.pk) if agent.status in ON_A_CALL else None,
        )
        for agent in Agent.objects.order_by("name", "id")
    ]


def queue_tiles(now: dt.datetime) -> list[QueueTile]:
    """Each queue's callers on hold, longest wait and free agents now, and its waits
    of today (whose service level `queues.figures` computes)."""
    today = timezone.localdate(now)
    tiles = []
    for queue in queue_selectors.with_live_figures(Queue.objects.order_by("name")):
        days = figures.daily_figures(queue, today, today)
        tiles.append(
            QueueTile(
                queue,
                waiting=queue.waiting_count,
                longest_wait_seconds=queue_selectors.longest_wait_seconds(queue, now),
                agents_available=queue.agents_available,
                today=days[0].waits if days else Waits(),
            )
        )
    return tiles
