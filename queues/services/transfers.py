"""What a transfer does to the caller's stay in a queue and to the agents' status.

The conversation's side (who is dialed in, who leaves the conference) is the
transfer kinds' (`queues.transfers`); these services keep the queue's record in
step: the agent taking over is on a call, the one handing over wraps up, and
the caller's stay is `transferred` (an answered wait, counted once). A caller
transferred to a queue waits there in a new stay that keeps their original
wait and place in line (`transferred_from`), so no figure counts them twice.

A target who never answers (their leg ends busy, no-answer, failed or canceled)
fails the step: the blind transfer's caller, whom the first agent has left, is
back on hold at the head of the queue they were served from (as after an agent
who missed an offer), and a consulted target's customer is back with the first
agent.

A consulted target who answered and then leaves (hangs up) ends the
consultation the same way: the customer is back with the first agent, and an
agent target wraps up, also while a completion is being sent (it fails without
its target). Once the transfer is completed or canceled, the target's leg ending
is no longer the consultation's.
"""

from __future__ import annotations

import contextlib

from django.db import transaction
from django.db.models import F

from calls import services as call_services
from calls.exceptions import RuleViolation
from calls.models import Call, CallStatus, Source
from conversations import selectors as conversation_selectors
from conversations import services as conversation_services
from conversations.kinds.holding import UNHOLD
from conversations.models import ActionState, ConversationAction, Origin, Participant, Role

from .. import selectors, twiml
from ..models import Agent, AgentStatus, EntryOutcome, EntryStatus, Queue, QueueEntry
from .agents import agent_call_ended, move_agent
from .common import work_queues_after_commit
from .entries import end_entry

TRANSFERRED_TO_QUEUE = "Please hold while we transfer your call."
# The kinds of the transfer steps that dial a target in (`queues.transfers`).
BLIND_TRANSFER = "transfer"
CONSULT = "consult"
# The warm transfer's steps after the consultation, which end it.
COMPLETE_TRANSFER = "complete-transfer"
CANCEL_TRANSFER = "cancel-transfer"
WARM_STEPS = (CONSULT, COMPLETE_TRANSFER, CANCEL_TRANSFER)
# How a target's leg ends when it never joined the room: Twilio's statuses of a call
# nobody picked up.
UNANSWERED = frozenset(
    {CallStatus.BUSY, CallStatus.NO_ANSWER, CallStatus.FAILED, CallStatus.CANCELED}
)


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
    is `transferred`, following the leg of whoever took over (which ends it): the
    agent's, who the stay names from now, or an outside number's, when the stay
    keeps naming the first agent as the one who answered, no longer on the line
    (`entries.agent_on_the_line`)."""
    with transaction.atomic():
        entry = _talking_entry(call)
        agent_call_ended(from_agent_id, AgentStatus.WRAP_UP)
        if entry is None:
            return None
        entry.outcome = EntryOutcome.TRANSFERRED
        fields = ["outcome"]
        if to_agent_id is not None:
            entry.agent_id = to_agent_id
            fields.append("agent")
        if to_leg is not None:
            entry.agent_leg = to_leg
            fields.append("agent_leg")
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
        return _wait_again(
            call,
            queue,
            first,
            say=TRANSFERRED_TO_QUEUE,
            reason=f"transferred to {queue}",
            requested_by=requested_by,
        )


def transfer_target_ended(leg: Call, *, agent_status: str) -> None:
    """A transfer's target's leg ended; an agent target moves to `agent_status`.

    A target who never joined the room (`UNANSWERED`) fails the step, saying so
    with Twilio's status (an agent target as one who missed an offer): a blind
    transfer's caller, left alone by the first agent, is back on hold; a consulted
    target's customer is unheld, back with the first agent (unless the agent
    canceled the consultation, which does all that itself). A consulted target
    who answered and left while still consulted ends the consultation the same way.

    The step is found by its target's label, which exists before the target is
    dialed, so this holds however early the leg's end is known, even before the
    step has handed the room over; the step failed once is the guard against twice.
    """
    target = Participant.objects.filter(call=leg).select_related("agent", "conference").first()
    step = conversation_selectors.action_dialing(target, (BLIND_TRANSFER, CONSULT))
    if step is None or leg.parent.is_final:
        return
    if leg.status not in UNANSWERED:
        if step.kind == CONSULT and _still_consulted(step):
            _back_with_first_agent(step, target, f"{_named(target)} left", agent_status)
    elif step.kind == BLIND_TRANSFER:
        _back_on_hold(step, target, leg, agent_status)
    elif leg.status != CallStatus.CANCELED:
        _back_with_first_agent(step, target, _did_not_answer(target, leg), agent_status)


def _still_consulted(step: ConversationAction) -> bool:
    """No completion done after the consultation, nor a cancellation being done or done.

    A completion still being sent counts as consulting when it completes this
    consultation (the newest one done): without its target it fails (the target is
    gone from the room), so the customer must come back all the same.
    """
    newest = selectors.newest_step(
        step.conference, WARM_STEPS, (ActionState.SENDING, ActionState.DONE)
    )
    if newest is None or newest.pk == step.pk:
        return newest is not None
    if newest.kind != COMPLETE_TRANSFER or newest.state != ActionState.SENDING:
        return False
    completed = selectors.newest_step(step.conference, (CONSULT,), (ActionState.DONE,))
    return completed is not None and completed.pk == step.pk


def _named(target: Participant) -> str:
    return str(target.agent or target.endpoint)


def _did_not_answer(target: Participant, leg: Call) -> str:
    return f"{_named(target)} did not answer (Twilio: {leg.status})"


def _back_on_hold(
    step: ConversationAction, target: Participant, leg: Call, agent_status: str
) -> None:
    """The caller waits again, at the head of the queue they were served from, told so;
    the stay they had ends `transferred` with the agent who handed them over."""
    call = leg.parent
    with transaction.atomic():
        first = _talking_entry(call)
        where = (
            f"the caller is back on hold in {first.queue}"
            if first is not None
            else "the caller was in no queue to go back to"
        )
        if not conversation_services.action_overturned(
            step.pk, f"{_did_not_answer(target, leg)}; {where}."
        ):
            return
        agent_call_ended(target.agent_id, agent_status)
        if first is None:
            return
        handed_over_by = _handed_over_by(target)
        if handed_over_by is not None:
            first.agent_id, first.agent_leg_id = handed_over_by.agent_id, handed_over_by.call_id
        first.outcome = EntryOutcome.TRANSFERRED
        end_entry(first, EntryOutcome.TRANSFERRED, also=("agent", "agent_leg"))
        _wait_again(
            call,
            first.queue,
            first,
            say=twiml.BACK_ON_HOLD,
            reason=f"{_named(target)} did not answer the transfer",
            at_head=True,
        )


def _handed_over_by(target: Participant) -> Participant | None:
    """The agent who handed the room to `target`: of the agents dialed in before it, the
    one who left last (or is leaving still, Twilio's word of it not in yet)."""
    return (
        target.conference.participants.filter(
            role=Role.AGENT, agent__isnull=False, created_at__lt=target.created_at
        )
        .order_by(F("left_at").desc(nulls_first=True), "-created_at")
        .first()
    )


def _back_with_first_agent(
    step: ConversationAction, target: Participant, why: str, agent_status: str
) -> None:
    with transaction.atomic():
        if not conversation_services.action_overturned(
            step.pk, f"{why}; the customer is back with the first agent."
        ):
            return
        agent_call_ended(target.agent_id, agent_status)
        # A RuleViolation: the customer has left the room, nobody to unhold.
        with contextlib.suppress(RuleViolation):
            conversation_services.action_request(
                step.call,
                UNHOLD.name,
                origin=Origin.SYSTEM,
                reason=f"the consultation ended: {why}",
            )


def _wait_again(
    call: Call,
    queue: Queue,
    first: QueueEntry | None,
    *,
    say: str,
    reason: str,
    requested_by=None,
    at_head: bool = False,
) -> QueueEntry:
    """A new stay in `queue` that keeps the first's wait, in its place in line (or at the
    head of the queue), and the caller's redirect to its hold music, told `say`."""
    since = first.enqueued_at if first is not None else call.created_at
    entry = QueueEntry(
        queue=queue, call=call, enqueued_at=since, rank=since, transferred_from=first
    )
    if at_head:
        entry.rank = selectors.head_of_queue_rank(entry)
    ahead = selectors.waiting_entries(queue).filter(rank__lt=entry.rank)
    entry.position_at_enqueue = ahead.count() + 1
    entry.save()
    call_services.request_redirect(
        call,
        twiml=str(twiml.hold_document(entry, say=say)),
        origin=Source.QUEUE,
        requested_by=requested_by,
        reason=reason,
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
