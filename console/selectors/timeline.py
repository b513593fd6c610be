"""A call's life in order: what Twilio told us, what people and rules asked for,
its legs, its conferences and the actions on them (each hold with its length,
each transfer with its target), its stays in queues, its campaign attempt and
its survey answers.

Each record kind becomes moments on one time line, so a supervisor reads a
call as a story instead of five tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q

from callcenter.formats import clock, counted, duration
from calls.models import Call, CallEvent, EventKind, Redirect, RedirectState
from calls.presenters import attach_context, callee_label
from campaigns.models import Attempt
from conversations.models import ConferenceEvent, ConversationAction, Participant
from conversations.selectors import holds
from queues.models import QueueEntry, SurveyResponse
from queues.transfers import CANCEL, COMPLETE, CONSULT, TRANSFER

FINISHED_REDIRECT_STATES = (
    RedirectState.DONE,
    RedirectState.FAILED,
    RedirectState.CANCELED,
    RedirectState.SKIPPED,
)


@dataclass(frozen=True)
class Moment:
    at: dt.datetime
    what: str
    detail: str = ""
    who: str = ""
    tone: str = ""  # "good" or "bad" when the moment is a result
    leg: Call | None = None
    kind: str = ""  # which record it comes from: one of MOMENT_KINDS


@dataclass(frozen=True)
class Timeline:
    call: Call
    legs: list[Call]
    moments: list[Moment]


MOMENT_KINDS = (
    "call",
    "event",
    "leg",
    "redirect",
    "conference",
    "action",
    "hold",
    "transfer",
    "queue",
    "campaign",
    "survey",
)


def call_timeline(call: Call) -> Timeline:
    """The call's moments; the call and its legs get their parties' names on the way.

    Records that tell more than one kind of moment are read once: the conference
    callbacks (each one, and the holds they make), the conversation actions (each
    one, and the transfers done) and the queue stays (each one, and the queues
    transfers went to)."""
    legs = list(call.legs.order_by("created_at", "id"))
    attach_context([call, *legs])
    conference_events = list(
        ConferenceEvent.objects.filter(conference__call=call).order_by("received_at", "id")
    )
    actions = list(
        ConversationAction.objects.filter(call=call).select_related(
            "requested_by", "participant__agent"
        )
    )
    entries = list(QueueEntry.objects.filter(call=call).select_related("queue", "agent"))
    by_kind = {
        "call": [
            Moment(
                call.created_at,
                "Call recorded",
                f"source: {call.get_source_display()}",
                who=_person(call.created_by),
            ),
            *([Moment(call.dispatched_at, "Sent to Twilio")] if call.dispatched_at else []),
        ],
        "event": _event_moments(call, legs),
        "leg": [_leg_moment(leg) for leg in legs],
        "redirect": _redirect_moments(call),
        "conference": _conference_moments(conference_events),
        "action": _action_moments(actions),
        "hold": _hold_moments(call, conference_events),
        "transfer": _transfer_moments(actions, entries),
        "queue": _queue_moments(entries),
        "campaign": _campaign_moments(call),
        "survey": _survey_moments(call),
    }
    moments = [replace(moment, kind=kind) for kind in MOMENT_KINDS for moment in by_kind[kind]]
    return Timeline(call, legs, sorted(moments, key=lambda moment: moment.at))


def _person(user: AbstractBaseUser | None) -> str:
    return user.get_username() if user is not None else ""


def _event_moments(call: Call, legs: list[Call]) -> list[Moment]:
    by_id = {leg.pk: leg for leg in legs}
    events = CallEvent.objects.filter(Q(call=call) | Q(call__in=legs)).order_by("received_at", "id")
    return [_event_moment(event, by_id.get(event.call_id)) for event in events]


def _event_moment(event: CallEvent, leg: Call | None) -> Moment:
    params = event.params or {}
    prefix = f"Leg to {callee_label(leg)}: " if leg is not None else ""
    if event.kind == EventKind.AMD:
        what = f"Machine detection: {params.get('AnsweredBy', 'no result')}"
        detail = _seconds_detail(params.get("MachineDetectionDuration"), "ms", "took")
    elif event.kind == EventKind.ANSWER and params.get("ErrorCode"):
        what = f"Answer URL failed (error {params['ErrorCode']})"
        detail = params.get("ErrorUrl", "")
    elif event.kind == EventKind.ANSWER:
        answered_by = params.get("AnsweredBy")
        what = f"Answered by {answered_by}" if answered_by else "Answered; flow requested"
        detail = ""
    elif event.kind == EventKind.DIAL_ACTION:
        what = f"Dial ended: {params.get('DialCallStatus', 'unknown')}"
        detail = _duration_detail(params.get("DialCallDuration"), "talked")
    else:
        what = f"Status: {event.call_status or params.get('CallStatus', '?')}"
        detail = _status_detail(params)
    tone = "bad" if event.call_status in ("busy", "no-answer", "failed", "canceled") else ""
    return Moment(event.received_at, prefix + what, detail, tone=tone, leg=leg)


def _seconds_detail(value: str | None, unit: str, verb: str) -> str:
    return f"{verb} {value} {unit}" if value not in (None, "") else ""


def _duration_detail(seconds: str | None, verb: str) -> str:
    return f"{verb} {duration(int(seconds))}" if seconds not in (None, "") else ""


def _status_detail(params: dict) -> str:
    parts = []
    if params.get("SequenceNumber") not in (None, ""):
        parts.append(f"callback #{params['SequenceNumber']}")
    if params.get("CallDuration") not in (None, ""):
        parts.append(_duration_detail(params["CallDuration"], "lasted"))
    if params.get("AnsweredBy"):
        parts.append(f"answered by {params['AnsweredBy']}")
    return ", ".join(parts)


def _leg_moment(leg: Call) -> Moment:
    detail = f"{leg.get_direction_display()}, now {leg.get_status_display().lower()}"
    if leg.duration is not None:
        detail += f", {duration(leg.duration)}"
    return Moment(leg.created_at, f"Leg dialed to {callee_label(leg)}", detail, leg=leg)


def _redirect_moments(call: Call) -> list[Moment]:
    moments = []
    for redirect in call.redirects.select_related("requested_by").order_by("created_at", "id"):
        moments.append(
            Moment(
                redirect.created_at,
                f"{redirect.get_action_display()} requested",
                _redirect_detail(redirect),
                who=_person(redirect.requested_by) or redirect.get_origin_display(),
            )
        )
        if redirect.state in FINISHED_REDIRECT_STATES:
            moments.append(_redirect_result(redirect))
    return moments


def _redirect_detail(redirect: Redirect) -> str:
    parts = []
    if redirect.url:
        parts.append(redirect.url)
    elif redirect.twiml:
        parts.append("inline TwiML")
    if redirect.reason:
        parts.append(redirect.reason)
    if redirect.due_at is not None:
        parts.append(f"due {clock(redirect.due_at)}")
    elif redirect.trigger != "now":
        parts.append(redirect.get_trigger_display().lower())
    return " · ".join(parts)


def _redirect_result(redirect: Redirect) -> Moment:
    state = redirect.get_state_display()
    problem = ""
    if redirect.error_code:
        problem = f"Twilio {redirect.error_code}: {redirect.error_message}"
    elif redirect.error_message:
        problem = redirect.error_message
    tone = "good" if redirect.state == RedirectState.DONE else "bad"
    what = f"{redirect.get_action_display()}: {state.lower()}"
    at = redirect.finished_at or redirect.sent_at or redirect.created_at
    return Moment(at, what, problem, tone=tone)


def _conference_moments(events: list[ConferenceEvent]) -> list[Moment]:
    """What Twilio told of the call's conferences: the room starting and ending, and each
    participant joining, leaving, held, muted or coached."""
    return [
        Moment(
            event.timestamp or event.received_at,
            f"Conference: {event.event.replace('-', ' ')}",
            _conference_detail(event.params or {}),
        )
        for event in events
    ]


def _conference_detail(params: dict) -> str:
    parts = [params[name] for name in ("ParticipantLabel", "CallSid") if params.get(name)][:1]
    flags = [flag.lower() for flag in ("Hold", "Muted", "Coaching") if params.get(flag) == "true"]
    if flags:
        parts.append(", ".join(flags))
    if params.get("ReasonConferenceEnded"):
        parts.append(params["ReasonConferenceEnded"])
    return " · ".join(parts)


def _action_moments(actions: list[ConversationAction]) -> list[Moment]:
    """Each action asked of the call's conversation, and how it ended (as redirects show)."""
    moments = []
    for action in actions:
        label = action.kind.capitalize()
        detail = " · ".join(
            [*(f"{k} {v}" for k, v in action.params.items() if k in ("to", "who")), action.reason]
            + ([f"due {action.due_at:%H:%M:%S}"] if action.due_at else [])
        ).strip(" ·")
        who = _person(action.requested_by) or action.get_origin_display()
        moments.append(Moment(action.created_at, f"{label} requested", detail, who=who))
        if action.state in FINISHED_REDIRECT_STATES:
            problem = f"Twilio {action.error_code}: " if action.error_code else ""
            moments.append(
                Moment(
                    action.finished_at or action.created_at,
                    f"{label}: {action.get_state_display().lower()}",
                    problem + action.error_message,
                    tone="good" if action.state == RedirectState.DONE else "bad",
                )
            )
    return moments


def _hold_moments(call: Call, events: list[ConferenceEvent]) -> list[Moment]:
    """Each hold of someone in the call's conversations, with how long it lasted."""
    labels = {
        p.call_sid: p.label or p.get_role_display()
        for p in Participant.objects.filter(conference__call=call).exclude(call_sid="")
    }
    return [
        _hold_moment(hold.start, hold.end, labels.get(hold.call_sid, hold.call_sid))
        for hold in holds(events)
    ]


def _hold_moment(start: dt.datetime, end: dt.datetime | None, who: str) -> Moment:
    length = f"{int((end - start).total_seconds())} s" if end else "still on hold"
    return Moment(start, f"{who.capitalize()} on hold", length)


TRANSFER_WORDS = {
    TRANSFER.name: ("Transferred to {}", "blind: the first agent left"),
    CONSULT.name: ("Consulting {}", "warm transfer: the customer holds"),
    COMPLETE.name: ("Transferred to {}", "warm transfer completed: the first agent left"),
    CANCEL.name: ("Transfer to {} canceled", "back with the first agent"),
}


def _transfer_moments(actions: list[ConversationAction], entries: list[QueueEntry]) -> list[Moment]:
    """Each transfer step done: to whom (agent, number or queue) and what it meant; a
    transfer to a queue began a stay there, so the call's stays know every such queue."""
    steps = [a for a in actions if a.kind in TRANSFER_WORDS and a.state == RedirectState.DONE]
    queues = {entry.queue_id: entry.queue for entry in entries}
    moments = []
    for step in steps:
        what, detail = TRANSFER_WORDS[step.kind]
        if "queue" in step.params:
            queue = queues.get(step.params["queue"])
            target, detail = f"queue {queue}", "blind: back on hold, keeping the original wait"
        else:
            target = _participant_name(step.participant)
        moments.append(
            Moment(step.finished_at or step.created_at, what.format(target), detail, tone="good")
        )
    return moments


def _participant_name(participant: Participant | None) -> str:
    if participant is None:
        return "someone"
    return str(participant.agent) if participant.agent else participant.endpoint


def _queue_moments(entries: list[QueueEntry]) -> list[Moment]:
    moments = []
    for entry in entries:
        if entry.transferred_from_id is None:
            # A stay a transfer began shows as the transfer, with the first stay's wait.
            moments.append(
                Moment(
                    entry.enqueued_at,
                    f"On hold in {entry.queue}",
                    f"position {entry.position_at_enqueue} on arrival",
                )
            )
        if entry.answered_at is not None:
            waited = (entry.answered_at - entry.enqueued_at).total_seconds()
            moments.append(
                Moment(
                    entry.answered_at,
                    f"{entry.agent} answered",
                    f"after {duration(waited)} on hold",
                    tone="good",
                )
            )
        if entry.ended_at is not None:
            outcome = entry.get_outcome_display() or "ended"
            offers = f"{counted(entry.offers, 'agent')} tried" if entry.offers else "no agent tried"
            moments.append(Moment(entry.ended_at, f"Left {entry.queue}: {outcome.lower()}", offers))
    return moments


def _campaign_moments(call: Call) -> list[Moment]:
    attempt = Attempt.objects.filter(call=call).select_related("contact__campaign").first()
    if attempt is None:
        return []
    outcome = attempt.get_outcome_display() or "pending"
    return [
        Moment(
            attempt.created_at,
            f"Campaign {attempt.contact.campaign}: attempt {attempt.number}",
            f"contact {attempt.contact}, outcome {outcome.lower()}",
        )
    ]


def _survey_moments(call: Call) -> list[Moment]:
    responses = SurveyResponse.objects.filter(call=call).select_related("question", "agent")
    return [
        Moment(
            response.created_at,
            f"Survey answer: {response.answer}",
            response.question.prompt + (f" (about {response.agent})" if response.agent_id else ""),
        )
        for response in responses.order_by("created_at", "id")
    ]
