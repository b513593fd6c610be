"""The operations that change queues, agents and survey answers: the only writers.

Every change of a live call goes through `calls.services.request_redirect`, so
it is recorded as a `Redirect` with who asked and why. Entries and agents are
claimed under row locks (`SKIP LOCKED` for the distributor), so two workers, a
supervisor and a retried task never connect one caller or one agent twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calls import services as call_services
from calls.exceptions import RuleViolation
from calls.models import FINAL_STATUSES, Call, CallStatus, Redirect, RedirectState, Source
from calls.urls_public import public_url

from . import selectors, twiml
from .models import (
    OPEN_ENTRY_STATUSES,
    Agent,
    AgentStatus,
    EndpointKind,
    EntryOutcome,
    EntryStatus,
    OverflowAction,
    QuestionKind,
    Queue,
    QueueEntry,
    Survey,
    SurveyQuestion,
    SurveyResponse,
)
from .outcomes import CallerNext, CallerOutcome

# Dial outcomes that are the agent's: they did not pick up, so they are signed out.
AGENT_MISSED = frozenset({"busy", "no-answer", "failed"})


def _locked_entry(entry_id: int) -> QueueEntry:
    """The entry with its call and queue, its own row locked until the transaction ends.

    Only the entry's row: the call and queue rows stay free for their own writers.
    """
    return (
        QueueEntry.objects.select_for_update(of=("self",))
        .select_related("call", "queue")
        .get(pk=entry_id)
    )


def _work_queues_after_commit() -> None:
    """Let the distributor look now rather than at its next beat."""

    def send() -> None:
        from .tasks import work_queues

        work_queues.delay()

    transaction.on_commit(send)


# Agents --------------------------------------------------------------------------------


def set_agent_status(agent: Agent, status: str) -> Agent:
    """A supervisor or the agent signs in (available) or out (offline).

    An agent on a call keeps that status: their leg's end sets the next one.
    """
    if status not in (AgentStatus.AVAILABLE, AgentStatus.OFFLINE):
        raise RuleViolation("An agent can be set available or offline.", field="status")
    with transaction.atomic():
        agent = Agent.objects.select_for_update().get(pk=agent.pk)
        if agent.status == AgentStatus.ON_CALL:
            raise RuleViolation(
                f"{agent} is on a call; the call's end sets their status.", code="on-call"
            )
        if agent.status != status:
            _move_agent(agent, status)
    return agent


def _move_agent(agent: Agent, status: str) -> None:
    now = timezone.now()
    agent.status = status
    agent.status_changed_at = now
    fields = ["status", "status_changed_at"]
    if status == AgentStatus.AVAILABLE:
        agent.idle_since = now
        fields.append("idle_since")
        _work_queues_after_commit()
    agent.save(update_fields=fields)


def _agent_call_ended(agent_id: int | None, next_status: str) -> None:
    """The agent's part in a call is over; only an agent still on it moves."""
    if agent_id is None:
        return
    agent = Agent.objects.select_for_update().get(pk=agent_id)
    if agent.status == AgentStatus.ON_CALL:
        _move_agent(agent, next_status)


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


def release_wrapped_up_agents(now: dt.datetime | None = None) -> int:
    """Agents whose wrap-up time is over become available again."""
    now = now or timezone.now()
    released = 0
    for agent_id in selectors.agents_done_wrapping_up(now):
        with transaction.atomic():
            agent = Agent.objects.select_for_update(skip_locked=True).filter(pk=agent_id).first()
            if agent is not None and agent.status == AgentStatus.WRAP_UP:
                _move_agent(agent, AgentStatus.AVAILABLE)
                released += 1
    return released


# Entering and leaving the queue --------------------------------------------------------


def answer_inbound(call: Call, queue: Queue, now: dt.datetime | None = None) -> CallerOutcome:
    """An inbound call reached a queue's number: closed message, or greeting and hold."""
    if not selectors.is_open(queue, now or timezone.now()):
        return CallerOutcome(CallerNext.CLOSED, queue)
    return CallerOutcome(CallerNext.ENQUEUED, queue, enqueue_call(call, queue))


def enqueue_call(call: Call, queue: Queue) -> QueueEntry:
    """Put a caller on hold in a queue; the same call asking again gets its entry back."""
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=call.pk)
        entry = QueueEntry.objects.filter(call=call, status__in=OPEN_ENTRY_STATUSES).first()
        if entry is not None:
            return entry
        now = timezone.now()
        entry = QueueEntry.objects.create(
            queue=queue,
            call=call,
            enqueued_at=now,
            rank=now,
            position_at_enqueue=selectors.waiting_entries(queue).count() + 1,
        )
        _work_queues_after_commit()
    return entry


def _end_entry(entry: QueueEntry, outcome: str, *, also: tuple[str, ...] = ()) -> None:
    """Close an entry; an outcome already reached (connected) is kept."""
    now = timezone.now()
    entry.status = EntryStatus.ENDED
    entry.outcome = entry.outcome or outcome
    entry.ended_at = now
    entry.dequeued_at = entry.dequeued_at or now
    entry.save(update_fields=["status", "outcome", "ended_at", "dequeued_at", *also])


def hold_ended(entry_id: int, now: dt.datetime | None = None) -> CallerOutcome:
    """The hold music ran out: hold again, or overflow once the maximum wait is reached.

    A caller no longer waiting (a redirect to an agent overtook this request)
    hears hold music alone, which the newer document replaces at once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        entry = _locked_entry(entry_id)
        if entry.status != EntryStatus.WAITING:
            return CallerOutcome.of(entry, CallerNext.OVERTAKEN)
        if selectors.overdue_entries(entry.queue, now).filter(pk=entry.pk).exists():
            return _overflow(entry)
        return CallerOutcome.of(entry, CallerNext.STILL_WAITING)


def overflow_overdue(now: dt.datetime | None = None) -> int:
    """Callers past their queue's maximum wait get the overflow action now.

    The hold loop also checks the wait when the music runs out; this sweep makes
    the wait exact whatever the length of the music.
    """
    now = now or timezone.now()
    moved = 0
    for queue in Queue.objects.filter(max_wait_seconds__isnull=False):
        while True:
            with transaction.atomic():
                entry = (
                    selectors.overdue_entries(queue, now)
                    .select_related("call", "queue")
                    .select_for_update(skip_locked=True, of=("self",))
                    .first()
                )
                if entry is None:
                    break
                if entry.call.is_final:
                    # Hung up a moment ago; the final status callback is on its way.
                    _end_entry(entry, EntryOutcome.ABANDONED)
                    continue
                call_services.request_redirect(
                    entry.call,
                    twiml=str(twiml.caller_document(_overflow(entry))),
                    origin=Source.QUEUE,
                    reason="maximum wait reached",
                )
                moved += 1
    return moved


def _overflow(entry: QueueEntry) -> CallerOutcome:
    """End the entry as overflowed; the caller moves to the overflow queue or is let go."""
    queue = entry.queue
    _end_entry(entry, EntryOutcome.OVERFLOWED)
    if queue.overflow_action == OverflowAction.QUEUE and queue.overflow_queue_id:
        return CallerOutcome.of(enqueue_call(entry.call, queue.overflow_queue), CallerNext.ENQUEUED)
    return CallerOutcome.of(entry, CallerNext.OVERFLOWED)


def record_call_ended(call: Call) -> None:
    """The caller's call is over: a caller who had not reached an agent abandoned.

    Most calls that end were never queued: one read tells, before any lock.
    """
    open_entries = QueueEntry.objects.filter(call=call, status__in=OPEN_ENTRY_STATUSES)
    if not open_entries.exists():
        return
    with transaction.atomic():
        for entry in open_entries.select_for_update():
            if entry.status == EntryStatus.OFFERED:
                _agent_call_ended(entry.agent_id, AgentStatus.AVAILABLE)
            elif entry.status == EntryStatus.CONNECTED:
                _agent_call_ended(entry.agent_id, AgentStatus.WRAP_UP)
            _end_entry(entry, EntryOutcome.ABANDONED)


# Taking callers off hold ---------------------------------------------------------------


def take_off_hold(
    entry: QueueEntry,
    *,
    agent: Agent | None = None,
    origin: str = Source.API,
    requested_by=None,
) -> QueueEntry:
    """Connect a waiting caller to an agent (the named one, else the longest idle).

    The caller is redirected to a Dial of the agent's endpoint; the Redirect and
    the entry's change commit together, so a refusal leaves the caller waiting.
    """
    with transaction.atomic():
        entry = _locked_entry(entry.pk)
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
    entry.offer_redirect = call_services.request_redirect(
        entry.call,
        twiml=str(twiml.dial_agent_document(entry, agent)),
        origin=origin,
        requested_by=requested_by,
        reason=f"off hold to {agent}",
    )
    entry.save(
        update_fields=["offers", "status", "agent", "agent_leg", "dequeued_at", "offer_redirect"]
    )
    _move_agent(agent, AgentStatus.ON_CALL)
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
            _agent_call_ended(entry.agent_id, AgentStatus.AVAILABLE)
            _back_on_hold(entry)
            recovered += 1
    return recovered


def _back_on_hold(entry: QueueEntry) -> None:
    entry.status = EntryStatus.WAITING
    entry.rank = selectors.head_of_queue_rank(entry)
    entry.save(update_fields=["status", "rank"])


# The Dial of an agent ends -------------------------------------------------------------


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
        entry = _locked_entry(entry_id)
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
            _agent_call_ended(
                entry.agent_id, AgentStatus.OFFLINE if missed else AgentStatus.AVAILABLE
            )
            _back_on_hold(entry)
            return CallerOutcome.of(entry, CallerNext.BACK_ON_HOLD)
        _agent_call_ended(entry.agent_id, AgentStatus.WRAP_UP)
        now = timezone.now()
        if entry.answered_at is None:
            # The answer callback was lost or is late: the talk time tells when it was.
            talked = dt.timedelta(seconds=dial_duration or 0)
            entry.answered_at = max(now - talked, entry.dequeued_at or entry.enqueued_at)
        entry.survey_sent_at = now if entry.queue.survey_id else None
        _end_entry(entry, EntryOutcome.CONNECTED, also=("answered_at", "survey_sent_at"))
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
        elif leg.status in FINAL_STATUSES:
            _agent_call_ended(entry.agent_id, STATUS_AFTER_LEG[leg.status])


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


# Supervisor actions on a caller --------------------------------------------------------


def hang_up_politely(entry: QueueEntry, *, origin: str = Source.API, requested_by=None) -> Redirect:
    """Seed 000's third document: goodbye, then hang up."""
    with transaction.atomic():
        entry = _open_entry(entry)
        redirect = call_services.request_redirect(
            entry.call,
            twiml=str(twiml.goodbye_document()),
            origin=origin,
            requested_by=requested_by,
            reason="hang up politely",
        )
        if entry.status == EntryStatus.OFFERED:
            _agent_call_ended(entry.agent_id, AgentStatus.AVAILABLE)
        _end_entry(entry, EntryOutcome.HUNG_UP)
    return redirect


def send_to_survey(
    entry: QueueEntry,
    *,
    survey: Survey | None = None,
    origin: str = Source.API,
    requested_by=None,
) -> Redirect:
    """Redirect the caller to a survey now (the queue's, unless one is named).

    A caller talking to an agent is taken out of the conversation: the redirect
    ends the agent's leg, and the Dial action that follows is overtaken, so the
    survey is not sent twice.
    """
    with transaction.atomic():
        entry = _locked_entry(entry.pk)
        survey = survey or entry.queue.survey
        if survey is None:
            raise RuleViolation(f"{entry.queue} has no survey; name one.", field="survey")
        if entry.survey_sent_at is not None:
            raise RuleViolation("This caller has already been sent to the survey.", code="sent")
        redirect = call_services.request_redirect(
            entry.call,
            url=public_url("queues:survey-start", survey_id=survey.pk),
            origin=origin,
            requested_by=requested_by,
            reason=f"survey {survey}",
        )
        entry.survey_sent_at = timezone.now()
        fields = ("survey_sent_at",)
        if entry.status == EntryStatus.OFFERED:
            _agent_call_ended(entry.agent_id, AgentStatus.AVAILABLE)
        if entry.status in OPEN_ENTRY_STATUSES:
            _end_entry(entry, EntryOutcome.HUNG_UP, also=fields)
        else:
            entry.save(update_fields=fields)
    return redirect


def _open_entry(entry: QueueEntry) -> QueueEntry:
    entry = _locked_entry(entry.pk)
    if entry.status not in OPEN_ENTRY_STATUSES:
        raise RuleViolation("This caller has left the queue.", code="ended")
    return entry


# Survey answers ------------------------------------------------------------------------


def parse_answer(question: SurveyQuestion, digits: str) -> tuple[str, int | None] | None:
    """The stored answer (and rating score) for the keys pressed, or None if invalid."""
    digits = (digits or "").strip().rstrip("#")
    if question.kind == QuestionKind.RATING:
        return (digits, int(digits)) if digits in {"1", "2", "3", "4", "5"} else None
    if question.kind == QuestionKind.YES_NO:
        return {"1": ("yes", None), "2": ("no", None)}.get(digits)
    if digits.isdigit() and len(digits) == question.num_digits:
        return digits, None
    return None


def record_survey_answer(
    call: Call, question: SurveyQuestion, digits: str
) -> SurveyResponse | None:
    """Store a valid answer once per call and question, against the caller's agent."""
    parsed = parse_answer(question, digits)
    if parsed is None:
        return None
    answer, score = parsed
    agent, queue = selectors.agent_who_talked_to(call)
    response, _ = SurveyResponse.objects.get_or_create(
        call=call,
        question=question,
        defaults={
            "survey_id": question.survey_id,
            "agent": agent,
            "queue": queue,
            "answer": answer,
            "score": score,
        },
    )
    return response
