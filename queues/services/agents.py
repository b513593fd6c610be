"""Agents' status: signed in or out by a supervisor, moved by their calls (ringing
when offered a caller, talking once they answer, wrapping up after), released from
wrap-up when its time is over. Every move records its time (`status_changed_at`)
and is kept as an `AgentStatusChange`, from which the figures add up talk and
wrap-up time.

An agent who becomes available nudges the distributor, so a waiting caller is
offered at once rather than at the next beat.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from calls.exceptions import RuleViolation

from .. import selectors
from ..models import ON_A_CALL, Agent, AgentStatus, AgentStatusChange
from .common import work_queues_after_commit


def set_agent_status(agent: Agent, status: str) -> Agent:
    """A supervisor or the agent signs in (available) or out (offline).

    An agent on a call keeps that status: their leg's end sets the next one.
    """
    if status not in (AgentStatus.AVAILABLE, AgentStatus.OFFLINE):
        raise RuleViolation("An agent can be set available or offline.", field="status")
    with transaction.atomic():
        agent = Agent.objects.select_for_update().get(pk=agent.pk)
        if agent.status in ON_A_CALL:
            raise RuleViolation(
                f"{agent} is on a call ({agent.get_status_display().lower()}); "
                "the call's end sets their status.",
                code="on-call",
            )
        if agent.status != status:
            move_agent(agent, status)
    return agent


def move_agent(agent: Agent, status: str) -> None:
    """Set the agent's status and record the move, in the caller's transaction (which
    holds the agent's row lock); available nudges the distributor."""
    now = timezone.now()
    AgentStatusChange.objects.create(agent=agent, status=status, at=now)
    agent.status = status
    agent.status_changed_at = now
    fields = ["status", "status_changed_at"]
    if status == AgentStatus.AVAILABLE:
        agent.idle_since = now
        fields.append("idle_since")
        work_queues_after_commit()
    agent.save(update_fields=fields)


def agent_answered(agent_id: int | None) -> None:
    """The agent picked up the caller they were ringing for: they are talking from now."""
    if agent_id is None:
        return
    agent = Agent.objects.select_for_update().get(pk=agent_id)
    if agent.status == AgentStatus.RINGING:
        move_agent(agent, AgentStatus.ON_CALL)


def agent_call_ended(agent_id: int | None, next_status: str) -> None:
    """The agent's part in a call is over; only an agent still on it (ringing or
    talking) moves."""
    if agent_id is None:
        return
    agent = Agent.objects.select_for_update().get(pk=agent_id)
    if agent.status in ON_A_CALL:
        move_agent(agent, next_status)


def release_wrapped_up_agents(now: dt.datetime | None = None) -> int:
    """Agents whose wrap-up time is over become available again."""
    now = now or timezone.now()
    released = 0
    for agent_id in selectors.agents_done_wrapping_up(now):
        with transaction.atomic():
            agent = Agent.objects.select_for_update(skip_locked=True).filter(pk=agent_id).first()
            if agent is not None and agent.status == AgentStatus.WRAP_UP:
                move_agent(agent, AgentStatus.AVAILABLE)
                released += 1
    return released
