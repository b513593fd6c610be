"""What the end of the caller's conference, and the agent's leg, do to the caller and
the agent.

The action of the caller's `<Dial><Conference>` decides what the caller hears
once the agent has left (the agent's leave ends the room); the leg's status
callbacks bind the leg to its offer, mark the answer, set the agent's next
status, and put the caller back on hold when the agent never answered (at an
offer, or as a transfer's target: `transfers.transfer_target_ended`).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calls import services as call_services
from calls.models import FINAL_STATUSES, Call, CallStatus, Source
from recordings.models import RecordingMode
from recordings.services import recording_policy_apply

from .. import selectors, twiml
from ..models import Agent, AgentStatus, EndpointKind, EntryOutcome, EntryStatus, QueueEntry
from ..outcomes import CallerNext, CallerOutcome
from .agents import agent_answered, agent_call_ended
from .common import locked_entry
from .entries import agent_on_the_line, back_on_hold, end_entry
from .transfers import transfer_target_ended

# Dial outcomes that are the agent's: they did not pick up, so they are signed out.
AGENT_MISSED = frozenset({"busy", "no-answer", "failed"})

# What an agent's status becomes when their leg ends, by the leg's final status:
# a conversation needs wrap-up; a leg someone else ended is not the agent's
# doing; a leg the agent did not pick up signs them out until they sign in again.
STATUS_AFTER_LEG = {
    CallStatus.COMPLETED: AgentStatus.WRAP_UP,
    CallStatus.CANCELED: AgentStatus.AVAILABLE,
    CallStatus.BUSY: AgentStatus.OFFLINE,
    CallStatus.NO_ANSWER: AgentStatus.OFFLINE,
    CallStatus.FAILED: AgentStatus.OFFLINE,
}


def record_dial_ended(
    entry_id: int, *, offer: int, dial_status: str, dial_duration: int | None = None
) -> CallerOutcome:
    """Twilio requested the Dial's action: decide what the caller hears next.

    The survey is reached through this answer, not through a REST redirect: the
    action request is made by the caller's own call, in order, after the agent's
    leg has ended, so nothing else can be executing for the caller at that
    moment and there is no second message to race. A redirect on the agent
    leg's status callback would race this very request, and one of the two
    documents would be cut off.

    Twilio also requests the action when a redirect interrupts the Dial (a
    supervisor's "hang up" or "send to survey"); that request is overtaken, its
    answer is discarded by Twilio, and it changes nothing here. The survey is
    sent at most once per entry (`survey_sent_at`).
    """
    with transaction.atomic():
        entry = locked_entry(entry_id)
        if (
            entry.offers != offer
            or entry.status not in (EntryStatus.OFFERED, EntryStatus.CONNECTED)
            or selectors.redirected_since(entry.call, entry.offer_redirect)
        ):
            return CallerOutcome.of(entry, CallerNext.OVERTAKEN)
        if dial_status in AGENT_MISSED or (
            dial_status != "completed" and entry.status == EntryStatus.OFFERED
        ):
            missed = dial_status in AGENT_MISSED
            agent_call_ended(
                entry.agent_id, AgentStatus.OFFLINE if missed else AgentStatus.AVAILABLE
            )
            back_on_hold(entry)
            return CallerOutcome.of(entry, CallerNext.BACK_ON_HOLD)
        agent_call_ended(agent_on_the_line(entry), AgentStatus.WRAP_UP)
        now = timezone.now()
        if entry.answered_at is None:
            # The answer callback was lost or is late: the talk time tells when it was.
            talked = dt.timedelta(seconds=dial_duration or 0)
            entry.answered_at = max(now - talked, entry.dequeued_at or entry.enqueued_at)
        entry.survey_sent_at = now if entry.queue.survey_id else None
        end_entry(entry, EntryOutcome.CONNECTED, also=("answered_at", "survey_sent_at"))
        return CallerOutcome.of(
            entry, CallerNext.SURVEY if entry.survey_sent_at else CallerNext.GOODBYE
        )


def record_leg_status(leg: Call) -> None:
    """An agent's leg moved: bind it to its offer, mark the answer, end the agent's call.

    A leg belongs to the offer ringing when it first shows up, and only if it
    dials that offer's agent, so a late callback of an earlier offer's leg never
    binds to a newer one. Most legs are no agent's (a campaign's, a transfer's):
    one read of the entry the leg has or could take tells, before any lock.
    """
    if leg.status in STATUS_AFTER_LEG:
        transfer_target_ended(leg, agent_status=STATUS_AFTER_LEG[leg.status])
    if not QueueEntry.objects.filter(
        Q(agent_leg=leg)
        | Q(call_id=leg.parent_id, status=EntryStatus.OFFERED, agent_leg__isnull=True)
    ).exists():
        return
    with transaction.atomic():
        entry = QueueEntry.objects.select_for_update(of=("self",)).filter(agent_leg=leg).first()
        if entry is None:
            entry = _bind_leg(leg)
            if entry is None:
                return
        if leg.status == CallStatus.IN_PROGRESS and entry.status == EntryStatus.OFFERED:
            entry.status = EntryStatus.CONNECTED
            entry.outcome = EntryOutcome.CONNECTED
            entry.answered_at = timezone.now()
            entry.save(update_fields=["status", "outcome", "answered_at"])
            agent_answered(entry.agent_id)
            recording_policy_apply(
                entry.call,
                entry.queue.recording_policy,
                RecordingMode.FROM_AGENT,
                origin=Source.QUEUE,
            )
        elif leg.status in FINAL_STATUSES:
            agent_call_ended(agent_on_the_line(entry), STATUS_AFTER_LEG[leg.status])
            if entry.status == EntryStatus.OFFERED and entry.agent_leg_id == leg.pk:
                _unanswered(entry)


def _unanswered(entry: QueueEntry) -> None:
    """The agent never joined the caller's conference: the caller goes back on hold,
    at the head of the queue, told so (the room waits for nobody)."""
    back_on_hold(entry)
    call_services.request_redirect(
        entry.call,
        twiml=str(twiml.hold_document(entry, say=twiml.BACK_ON_HOLD)),
        origin=Source.QUEUE,
        reason="the agent did not answer",
    )


def _bind_leg(leg: Call) -> QueueEntry | None:
    entry = (
        QueueEntry.objects.select_for_update(of=("self",))
        .select_related("agent")
        .filter(call_id=leg.parent_id, status=EntryStatus.OFFERED, agent_leg__isnull=True)
        .first()
    )
    if entry is None or entry.agent is None or not _dials(leg, entry.agent):
        return None
    entry.agent_leg = leg
    entry.save(update_fields=["agent_leg"])
    return entry


def _dials(leg: Call, agent: Agent) -> bool:
    """Whether the leg's To is the agent's endpoint (Twilio writes clients as client:name)."""
    to = leg.to_number
    if agent.endpoint_kind == EndpointKind.CLIENT:
        return to.removeprefix("client:") == agent.endpoint
    if agent.endpoint_kind == EndpointKind.SIP:
        return to.split(";")[0].lower() == agent.endpoint.split(";")[0].lower()
    return to == agent.endpoint
