"""Dialing someone into a conversation's conference (Participants create).

The participant's call is recorded as a leg of the customer's call
(`calls.services.conference_leg_open`), so its status callbacks are kept like
any leg's and the apps that follow legs (an agent's status) see it. `connect`
is the product's own step when a customer is handed to an agent; the
supervisors' kinds (listen, whisper, barge) dial in the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

from calls import rules, telephony
from calls import services as call_services
from calls.exceptions import RuleViolation, TwilioError, TwilioUnreachable
from calls.models import Call, Direction
from calls.telephony import TwilioNotReached

from ..models import Conference, ConversationAction, Role
from ..permissions import HOLD_CONVERSATIONS
from ..registry import ActionKind, register
from ..services import participant_dialed, participant_expect
from ..twiml import CONFERENCE_EVENTS, conference_status_url
from .params import only

LEG_EVENTS = ["initiated", "ringing", "answered", "completed"]
DEFAULT_RING_SECONDS = 30
CONNECT_PARAMS = ("to", "role", "agent", "label", "timeout")


def our_number(call: Call) -> str:
    """The number of ours the customer's call is on: what the people we dial in see."""
    return call.to_number if call.direction == Direction.INBOUND else call.from_number


def endpoint(value: object, *, field: str = "to") -> str:
    """A phone number (any format, stored E.164), a `sip:` URI or a `client:` identity."""
    text = str(value or "").strip()
    if text.startswith(("sip:", "client:")) and len(text) > len("client:"):
        return text
    return rules.phone_number(text, field=field)


def ring_seconds(value: object) -> int:
    """Twilio rings a participant from 5 to 600 seconds."""
    try:
        seconds = int(value if value is not None else DEFAULT_RING_SECONDS)
    except (TypeError, ValueError):
        seconds = 0
    if not 5 <= seconds <= 600:
        raise RuleViolation("Ring from 5 to 600 seconds.", field="timeout")
    return seconds


def validate_connect(conference: Conference, params: Mapping) -> dict:
    only(params, CONNECT_PARAMS)
    role = params.get("role", Role.AGENT)
    if role not in Role.values or role == Role.CUSTOMER:
        raise RuleViolation("Dial in an agent, a supervisor or a third party.", field="role")
    return {
        "to": endpoint(params.get("to")),
        "role": role,
        "agent": params.get("agent"),
        "label": str(params.get("label") or role)[:64],
        "timeout": ring_seconds(params.get("timeout")),
    }


def dial_in(
    action: ConversationAction,
    *,
    to: str,
    role: str,
    label: str,
    timeout: int = DEFAULT_RING_SECONDS,
    agent_id: int | None = None,
    muted: bool = False,
    coach: str = "",
    end_on_exit: bool | None = None,
) -> dict:
    """Create the participant at Twilio; the action keeps who was dialed in.

    `coach` is the call SID the new participant whispers to (Twilio's coaching).
    An agent ends the conference when they leave, so their hang-up lets the
    customer go on to what follows (the survey); `end_on_exit` says otherwise
    (a transfer's target ends it only once the customer is theirs).
    """
    conference, call = action.conference, action.call
    leg = call_services.conference_leg_open(call, to=to, from_number=our_number(call))
    participant = participant_expect(
        conference,
        role=role,
        label=label,
        endpoint=to,
        leg=leg,
        agent_id=agent_id,
        user=action.requested_by if role == Role.SUPERVISOR else None,
    )
    try:
        created = telephony.create_participant(
            conference.sid or conference.friendly_name,
            from_=our_number(call),
            to=to,
            label=label,
            timeout=timeout,
            status_callback=call_services.conference_leg_status_url(leg),
            status_callback_event=LEG_EVENTS,
            # Whoever reaches the room first names its callback: the room's events
            # come to us even when the agent is in before the customer.
            conference_status_callback=conference_status_url(conference),
            conference_status_callback_event=CONFERENCE_EVENTS.split(),
            start_conference_on_enter=True,
            end_conference_on_exit=role == Role.AGENT if end_on_exit is None else end_on_exit,
            beep="false",
            muted=muted,
            coaching=bool(coach) or None,
            call_sid_to_coach=coach,
        )
    except TwilioError as refused:
        call_services.conference_leg_failed(leg, code=refused.code, message=refused.message)
        raise
    except TwilioNotReached:
        call_services.conference_leg_failed(leg, code=None, message="Twilio was not reached.")
        raise
    except TwilioUnreachable as lost:
        # The create may have dialed someone: never sent again (the leg is reconciled).
        raise TwilioError(f"No answer from Twilio: {lost}", code=None, status=None) from lost
    call_services.conference_leg_dialed(leg, created.call_sid)
    participant_dialed(participant, created.call_sid)
    return {"participant": participant}


def _connect(action: ConversationAction) -> dict:
    params = action.params
    return dial_in(
        action,
        to=params["to"],
        role=params["role"],
        label=params["label"],
        timeout=params["timeout"],
        agent_id=params.get("agent"),
    )


CONNECT = register(
    ActionKind(
        name="connect",
        label="Dial in",
        permission=HOLD_CONVERSATIONS,
        validate=validate_connect,
        perform=_connect,
        needs_conference_sid=False,
        manual=False,
    )
)
