"""What the queues know of a call, for `calls.presenters`: the queue it waited in,
the agent who answered it, the agent an agent's leg rang, and the names of our
inbound numbers (their label, else their queue's name)."""

from __future__ import annotations

from django.db.models import Q

from calls.models import Call
from calls.presenters import register_context_provider

from .models import InboundNumber, QueueEntry


@register_context_provider
def queue_context(calls: list[Call]) -> dict[int, dict[str, str]]:
    parties = {number for call in calls for number in (call.from_number, call.to_number)}
    ours = _inbound_names(parties)
    known = {
        call.pk: {
            "from_name": ours.get(call.from_number, ""),
            "to_name": ours.get(call.to_number, ""),
        }
        for call in calls
    }
    ids = set(known)
    entries = (
        QueueEntry.objects.filter(Q(call_id__in=ids) | Q(agent_leg_id__in=ids))
        .select_related("queue", "agent")
        .order_by("enqueued_at", "id")
    )
    for entry in entries:  # a later stay in a queue overrides an earlier one
        agent = entry.agent.name if entry.agent is not None else ""
        if entry.call_id in ids:
            answered = agent if entry.answered_at is not None else ""
            known[entry.call_id].update(queue=entry.queue.name, agent=answered)
        if entry.agent_leg_id in ids:
            known[entry.agent_leg_id].update(queue=entry.queue.name, agent=agent, to_name=agent)
    return known


def _inbound_names(numbers: set[str]) -> dict[str, str]:
    """Each of our inbound numbers among `numbers`, named by its label or its queue."""
    inbound = InboundNumber.objects.filter(phone_number__in=numbers).select_related("queue")
    return {number.phone_number: number.label or number.queue.name for number in inbound}
