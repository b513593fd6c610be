"""Transfers of a live conversation: blind (to another agent, a queue or an outside
number) and warm (consult the target while the customer holds, then complete or
cancel), each an action kind of `conversations.registry`.

They live in this app because their targets are its agents and queues; their
effects on the caller's stay and the agents' status are `services.transfers`.
Registered when Django starts (`QueuesConfig.ready`).

Who ends the room: the customer's leaving always does; of the others, only the
one the customer talks with (the agent, or an outside number they were handed
to), so the first agent hands that over before leaving, and a consulted target
gets it only when the transfer completes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from calls import telephony
from calls.exceptions import RuleViolation
from conversations import selectors as conversation_selectors
from conversations.kinds.dialing import dial_in, endpoint
from conversations.kinds.holding import present_sid
from conversations.kinds.params import no_params, only
from conversations.models import (
    ActionState,
    Conference,
    ConversationAction,
    Participant,
    Role,
)
from conversations.permissions import HOLD_CONVERSATIONS
from conversations.registry import ActionKind, Choices, register

from . import selectors, services, twiml
from .models import Agent, AgentStatus, Queue

TARGETS = ("agent", "queue", "to")
CONSULT_TARGETS = ("agent", "to")


def _one_target(params: Mapping, allowed: tuple[str, ...]) -> str:
    only(params, allowed)
    given = [name for name in allowed if params.get(name) not in (None, "")]
    if len(given) != 1:
        raise RuleViolation(
            f"Name exactly one of {', '.join(allowed)}.", field=given[-1] if given else allowed[-1]
        )
    return given[0]


def _available_agent(conference: Conference, value: object) -> Agent:
    try:
        agent = Agent.objects.get(pk=int(value))
    except (TypeError, ValueError, Agent.DoesNotExist):
        raise RuleViolation(f"No agent {value!r}.", field="agent", code="unknown") from None
    if agent.status != AgentStatus.AVAILABLE:
        raise RuleViolation(
            f"{agent} is {agent.get_status_display().lower()}, not available.", field="agent"
        )
    if conversation_selectors.present(conference, Role.AGENT).filter(agent=agent).exists():
        raise RuleViolation(f"{agent} is already in the conversation.", field="agent")
    return agent


def _queue(value: object) -> Queue:
    try:
        return Queue.objects.get(pk=int(value))
    except (TypeError, ValueError, Queue.DoesNotExist):
        raise RuleViolation(f"No queue {value!r}.", field="queue", code="unknown") from None


def _target(conference: Conference, params: Mapping, allowed: tuple[str, ...]) -> dict:
    """The one target named, checked: an available agent, a queue, or a number (E.164)."""
    present_sid(conference, Role.CUSTOMER, field="call")
    present_sid(conference, Role.AGENT, field="call")
    name = _one_target(params, allowed)
    if name == "agent":
        return {"agent": _available_agent(conference, params["agent"]).pk}
    if name == "queue":
        return {"queue": _queue(params["queue"]).pk}
    return {"to": endpoint(params["to"])}


def target_choices(conferences: Sequence[Conference]) -> dict[int, Choices]:
    """What the board and the call's page offer to transfer each conversation to, in
    four queries: the available agents not already in its room, and every queue but
    the one its caller is in now (a blind transfer there would only requeue them)."""
    agents = list(Agent.objects.filter(status=AgentStatus.AVAILABLE))
    queues = [(queue.pk, str(queue)) for queue in Queue.objects.all()]
    serving = selectors.serving_queue_ids(conference.call_id for conference in conferences)
    inside = set(
        conversation_selectors.present_in(conferences, Role.AGENT)
        .exclude(agent=None)
        .values_list("conference_id", "agent_id")
    )
    return {
        conference.pk: {
            "agent": [
                (agent.pk, f"{agent} ({agent.get_status_display().lower()})")
                for agent in agents
                if (conference.pk, agent.pk) not in inside
            ],
            "queue": [(pk, name) for pk, name in queues if pk != serving.get(conference.call_id)],
        }
        for conference in conferences
    }


def _dial_target(action: ConversationAction, label: str, *, takes_over: bool) -> Participant:
    """Dial the agent or number in; an agent is on a call from now on."""
    agent_id = action.params.get("agent")
    if agent_id is not None:
        services.agent_joins_conversation(agent_id)
        to, role = twiml.agent_address(Agent.objects.get(pk=agent_id)), Role.AGENT
    else:
        to, role = action.params["to"], Role.THIRD_PARTY
    dialed = dial_in(
        action, to=to, role=role, label=label, agent_id=agent_id, end_on_exit=takes_over
    )
    return dialed["participant"]


def _hand_over(conference: Conference, target: Participant) -> Participant | None:
    """The first agent gives the room's end to the target and leaves; returns them."""
    leaving = (
        conversation_selectors.present(conference, Role.AGENT)
        .exclude(pk=target.pk)
        .exclude(call_sid="")
        .first()
    )
    if leaving is not None:
        telephony.update_participant(conference.sid, leaving.call_sid, end_conference_on_exit=False)
        telephony.remove_participant(conference.sid, leaving.call_sid)
    return leaving


def _record_hand_over(action: ConversationAction, leaving: Participant | None, target) -> None:
    services.transfer_recorded(
        action.call,
        from_agent_id=leaving.agent_id if leaving else None,
        to_agent_id=target.agent_id,
        to_leg=target.call,
    )


# Blind transfer ---------------------------------------------------------------------------


def validate_transfer(conference: Conference, params: Mapping) -> dict:
    return _target(conference, params, TARGETS)


def perform_transfer(action: ConversationAction) -> dict:
    conference = action.conference
    if "queue" in action.params:
        agent = present_sid(conference, Role.AGENT, field="call")
        queue = Queue.objects.get(pk=action.params["queue"])
        services.transfer_to_queue(
            action.call, queue, from_agent_id=agent.agent_id, requested_by=action.requested_by
        )
        return {"participant": agent}
    target = _dial_target(action, action.dial_label, takes_over=True)
    _record_hand_over(action, _hand_over(conference, target), target)
    return {"participant": target}


# Warm transfer ----------------------------------------------------------------------------


def consultation(conference: Conference) -> Participant | None:
    """The target being consulted now: dialed in by the newest warm-transfer step done,
    if that step was a consultation (not its completion or cancellation) and the
    target has not left."""
    step = selectors.newest_step(conference, services.WARM_STEPS, (ActionState.DONE,))
    if step is None or step.kind != services.CONSULT or step.participant is None:
        return None
    return step.participant if step.participant.left_at is None else None


def _consulted(conference: Conference) -> Participant:
    target = consultation(conference)
    if target is None or not target.call_sid:
        raise RuleViolation("No transfer is being consulted.", field="call", code="absent")
    return target


def validate_consult(conference: Conference, params: Mapping) -> dict:
    if consultation(conference) is not None:
        raise RuleViolation(
            "A transfer is already being consulted: complete or cancel it.",
            field="call",
            code="absent",
        )
    return _target(conference, params, CONSULT_TARGETS)


def perform_consult(action: ConversationAction) -> dict:
    """The customer holds (the queue's music), the target is dialed in to talk with the agent."""
    conference = action.conference
    customer = present_sid(conference, Role.CUSTOMER, field="call")
    telephony.update_participant(
        conference.sid, customer.call_sid, hold=True, hold_url=conference.hold_music_url
    )
    return {"participant": _dial_target(action, action.dial_label, takes_over=False)}


def validate_consulted(conference: Conference, params: Mapping) -> dict:
    no_params(conference, params)
    _consulted(conference)
    return {}


def _unhold_customer(conference: Conference) -> None:
    customer = present_sid(conference, Role.CUSTOMER, field="call")
    telephony.update_participant(conference.sid, customer.call_sid, hold=False)


def perform_complete(action: ConversationAction) -> dict:
    """The target takes the room's end over, the first agent leaves, the customer talks."""
    conference = action.conference
    target = _consulted(conference)
    telephony.update_participant(conference.sid, target.call_sid, end_conference_on_exit=True)
    leaving = _hand_over(conference, target)
    _unhold_customer(conference)
    _record_hand_over(action, leaving, target)
    return {"participant": target}


def perform_cancel(action: ConversationAction) -> dict:
    """The target leaves; the customer is back with the first agent."""
    conference = action.conference
    target = _consulted(conference)
    telephony.remove_participant(conference.sid, target.call_sid)
    _unhold_customer(conference)
    services.agent_released(target.agent_id)
    return {"participant": target}


TRANSFER = register(
    ActionKind(
        services.BLIND_TRANSFER,
        "Transfer",
        HOLD_CONVERSATIONS,
        validate_transfer,
        perform_transfer,
        inputs=TARGETS,
        choices=target_choices,
    )
)
CONSULT = register(
    ActionKind(
        services.CONSULT,
        "Consult (warm transfer)",
        HOLD_CONVERSATIONS,
        validate_consult,
        perform_consult,
        inputs=CONSULT_TARGETS,
        choices=target_choices,
    )
)
COMPLETE = register(
    ActionKind(
        services.COMPLETE_TRANSFER,
        "Complete transfer",
        HOLD_CONVERSATIONS,
        validate_consulted,
        perform_complete,
    )
)
CANCEL = register(
    ActionKind(
        services.CANCEL_TRANSFER,
        "Cancel transfer",
        HOLD_CONVERSATIONS,
        validate_consulted,
        perform_cancel,
    )
)
