"""Taking callers off hold: a supervisor's choice, the distributor's pairing, and
the recovery of offers whose redirect failed.

Every offer is a redirect of the caller into a conference named for their call
(`calls.services.request_redirect`) and an action dialing the agent into it
(`conversations`), committed with the entry's change, so a refused redirect
leaves the caller waiting. Pairs are claimed with `SKIP
LOCKED`, so concurrent distributors and supervisors never take one caller or
one agent twice.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from calls import services as call_services
from calls.exceptions import RuleViolation
from calls.models import RedirectState, Source
from conversations import services as conversation_services
from conversations.kinds.dialing import CONNECT
from conversations.models import Origin, Role

from .. import selectors, twiml
from ..models import Agent, AgentStatus, EntryStatus, Queue, QueueEntry
from .agents import agent_call_ended, move_agent
from .common import locked_entry
from .entries import back_on_hold


def take_off_hold(
    entry: QueueEntry,
    *,
    agent: Agent | None = None,
    origin: str = Source.API,
    requested_by=None,
) -> QueueEntry:
    """Connect a waiting caller to an agent (the named one, else the longest idle).

    The caller is redirected into their conference and the agent dialed into it;
    the Redirect, the action and the entry's change commit together, so a refusal
    leaves the caller waiting.
    """
    with transaction.atomic():
        entry = locked_entry(entry.pk)
        if entry.status != EntryStatus.WAITING:
            raise RuleViolation(
                f"This caller is not waiting on hold ({entry.get_status_display().lower()}).",
                code="not-waiting",
            )
        if agent is not None:
            agent = Agent.objects.select_for_update().get(pk=agent.pk)
            if agent.status != AgentStatus.AVAILABLE:
                raise RuleViolation(
                    f"{agent} is {agent.get_status_display().lower()}, not available.",
                    field="agent",
                    code="agent-busy",
                )
        else:
            agent = (
                selectors.idle_agents(entry.queue)
                .select_for_update(skip_locked=True, of=("self",))
                .first()
            )
            if agent is None:
                raise RuleViolation(
                    f"No agent of {entry.queue} is available.", field="agent", code="no-agent"
                )
        return _offer(entry, agent, origin=origin, requested_by=requested_by)


def _offer(entry: QueueEntry, agent: Agent, *, origin: str, requested_by) -> QueueEntry:
    entry.offers += 1
    entry.status = EntryStatus.OFFERED
    entry.agent = agent
    entry.agent_leg = None
    entry.dequeued_at = timezone.now()
    reason = f"off hold to {agent}"
    conference = conversation_services.conference_open(
        entry.call, hold_music_url=twiml.hold_music_url(entry.queue)
    )
    entry.offer_redirect = call_services.request_redirect(
        entry.call,
        twiml=str(twiml.conference_document(entry, conference)),
        origin=origin,
        requested_by=requested_by,
        reason=reason,
    )
    conversation_services.action_request(
        entry.call,
        CONNECT.name,
        {
            "to": twiml.agent_address(agent),
            "role": Role.AGENT,
            "agent": agent.pk,
            "label": Role.AGENT,
            "timeout": agent.ring_timeout,
        },
        origin=Origin.SYSTEM,
        requested_by=requested_by,
        reason=reason,
    )
    entry.save(
        update_fields=["offers", "status", "agent", "agent_leg", "dequeued_at", "offer_redirect"]
    )
    move_agent(agent, AgentStatus.ON_CALL)
    return entry


def distribute(queue: Queue | None = None) -> int:
    """Offer each longest-waiting caller to the longest-idle agent of its queue.

    Both rows are claimed with `SKIP LOCKED` inside one transaction per pair, so
    concurrent distributors (and supervisors) never take the same caller or agent.
    """
    offered = 0
    queues = [queue] if queue is not None else Queue.objects.filter(auto_distribute=True)
    for each in queues:
        while _offer_next(each):
            offered += 1
    return offered


def _offer_next(queue: Queue) -> bool:
    """One pairing. The agent is claimed first: a distributor that then finds no caller
    has held nothing a caller waits on, whereas one holding a caller while it looks
    for an agent makes the others skip that caller and serve a later one first."""
    with transaction.atomic():
        agent = (
            selectors.idle_agents(queue).select_for_update(skip_locked=True, of=("self",)).first()
        )
        if agent is None:
            return False
        entry = (
            selectors.waiting_entries(queue)
            .select_related("call", "queue")
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if entry is None:
            return False
        try:
            with transaction.atomic():
                _offer(entry, agent, origin=Source.QUEUE, requested_by=None)
        except RuleViolation:
            # The caller's call ended under us; its status callback closes the entry.
            return False
        return True


def recover_failed_offers() -> int:
    """Callers whose redirect to an agent failed go back to the head of the queue."""
    recovered = 0
    stuck = QueueEntry.objects.filter(
        status=EntryStatus.OFFERED, offer_redirect__state=RedirectState.FAILED
    ).values_list("pk", flat=True)
    for entry_id in stuck:
        with transaction.atomic():
            entry = (
                QueueEntry.objects.select_for_update(skip_locked=True)
                .filter(pk=entry_id, status=EntryStatus.OFFERED)
                .select_related("queue", "offer_redirect")
                .first()
            )
            if entry is None or entry.offer_redirect.state != RedirectState.FAILED:
                continue
            agent_call_ended(entry.agent_id, AgentStatus.AVAILABLE)
            back_on_hold(entry)
            recovered += 1
    return recovered
