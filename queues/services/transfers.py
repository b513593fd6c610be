"""What a transfer does to the caller's stay in a queue and to the agents' status.

The conversation's side (who is dialed in, who leaves the conference) is the
transfer kinds' (`queues.transfers`); these services keep the queue's record in
step: the agent taking over is on a call, the one handing over wraps up, and
the caller's stay is `transferred` (an answered wait, counted once). A caller
transferred to a queue waits there in a new stay that keeps their original
wait and place in line (`transferred_from`), so no figure counts them twice.
"""

from __future__ import annotations

from django.db import transaction

from calls import services as call_services
from calls.models import Call, Source

from .. import twiml
from ..models import Agent, AgentStatus, EntryOutcome, EntryStatus, Queue, QueueEntry
from .agents import agent_call_ended, move_agent
from .common import work_queues_after_commit
from .entries import end_entry

TRANSFERRED_TO_QUEUE = "Please hold while we transfer your call."


def agent_joins_conversation(agent_id: int) -> None:
    """An agent dialed into a conversation (a transfer's target, or consulted) is on a call,
    so the distributor offers them nobody else meanwhile."""
    with transaction.atomic():
        agent = Agent.objects.select_for_update().get(pk=agent_id)
        if agent.status != AgentStatus.ON_CALL:
            move_agent(agent, AgentStatus.ON_CALL)


def agent_released(agent_id: int | None) -> None:
    """A consulted agent the transfer no longer needs (canceled) is free at once."""
    with transaction.atomic():
        agent_call_ended(agent_id, AgentStatus.AVAILABLE)


def transfer_recorded(
    call: Call, *, from_agent_id: int | None, to_agent_id: int | None = None, to_leg=None
) -> QueueEntry | None:
    """The caller now talks with someone else: the first agent wraps up, and their stay
    is `transferred`, following the agent who took over (whose leg ends it)."""
    with transaction.atomic():
        entry = _talking_entry(call)
        agent_call_ended(from_agent_id, AgentStatus.WRAP_UP)
        if entry is None:
            return None
        entry.outcome = EntryOutcome.TRANSFERRED
        fields = ["outcome"]
        if to_agent_id is not None:
            entry.agent_id, entry.agent_leg = to_agent_id, to_leg
            fields += ["agent", "agent_leg"]
        entry.save(update_fields=fields)
    return entry


def transfer_to_queue(
    call: Call, queue: Queue, *, from_agent_id: int | None, requested_by=None
) -> QueueEntry:
    """The caller goes back on hold in `queue`, told so, with their original wait.

    Their stay with the agent ends `transferred`; the new stay starts where the
    first began (its wait and place in line), and the caller is redirected to its
    hold music, which takes them out of the conversation.
    """
    with transaction.atomic():
        first = _talking_entry(call)
        agent_call_ended(from_agent_id, AgentStatus.WRAP_UP)
        if first is not None:
            first.outcome = EntryOutcome.TRANSFERRED
            end_entry(first, EntryOutcome.TRANSFERRED)
        since = first.enqueued_at if first is not None else call.created_at
        ahead = QueueEntry.objects.filter(queue=queue, status=EntryStatus.WAITING, rank__lt=since)
        entry = QueueEntry.objects.create(
            queue=queue,
            call=call,
            enqueued_at=since,
            rank=since,
            position_at_enqueue=ahead.count() + 1,
            transferred_from=first,
        )
        call_services.request_redirect(
            call,
            twiml=str(twiml.hold_document(entry, say=TRANSFERRED_TO_QUEUE)),
            origin=Source.QUEUE,
            requested_by=requested_by,
            reason=f"transferred to {queue}",
        )
        work_queues_after_commit()
    return entry


def _talking_entry(call: Call) -> QueueEntry | None:
    """The caller's stay whose agent is talking with them now (none for a campaign's contact).

    Locked before any agent's row, the order every writer of entries and agents
    keeps (the agent's leg ending locks its entry, then the agent): the other
    order deadlocks with the first agent's hang-up.
    """
    return (
        QueueEntry.objects.select_for_update(of=("self",))
        .filter(call=call, status=EntryStatus.CONNECTED)
        .first()
    )
