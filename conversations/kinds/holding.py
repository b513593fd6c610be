"""Hold and unhold the customer (they hear the queue's hold music; nobody hears them),
mute and unmute a participant, let a participant go, and end the conversation for
everyone (each call goes on after the room: the customer to what follows their
`<Dial>`, e.g. the survey)."""

from __future__ import annotations

from collections.abc import Mapping

from calls import telephony
from calls.exceptions import RuleViolation

from .. import selectors
from ..models import Conference, ConversationAction, Participant, Role
from ..permissions import HOLD_CONVERSATIONS
from ..registry import ActionKind, register
from .params import no_params, only

MUTABLE = (Role.CUSTOMER, Role.AGENT)


def present_sid(conference: Conference, role: str, *, field: str = "who") -> Participant:
    """The participant of `role` in the room whose call Twilio has named."""
    found = selectors.present(conference, role).exclude(call_sid="").first()
    if found is None:
        raise RuleViolation(
            f"No {Role(role).label.lower()} is in the conversation.", field=field, code="absent"
        )
    return found


def validate_hold(conference: Conference, params: Mapping) -> dict:
    no_params(conference, params)
    present_sid(conference, Role.CUSTOMER, field="call")
    return {}


def _hold(action: ConversationAction, hold: bool) -> dict:
    customer = present_sid(action.conference, Role.CUSTOMER, field="call")
    hold_url = action.conference.hold_music_url if hold else ""
    telephony.update_participant(
        action.conference.sid, customer.call_sid, hold=hold, hold_url=hold_url
    )
    return {"participant": customer}


def validate_who(conference: Conference, params: Mapping) -> dict:
    only(params, ("who",))
    who = params.get("who", Role.CUSTOMER)
    if who not in MUTABLE:
        raise RuleViolation("Mute the customer or the agent.", field="who")
    present_sid(conference, who)
    return {"who": who}


def _mute(action: ConversationAction, muted: bool) -> dict:
    participant = present_sid(action.conference, action.params["who"])
    telephony.update_participant(action.conference.sid, participant.call_sid, muted=muted)
    return {"participant": participant}


def validate_leave(conference: Conference, params: Mapping) -> dict:
    """`participant`: our id of the one who leaves (a supervisor, a third party…)."""
    only(params, ("participant",))
    try:
        chosen = int(params.get("participant"))
    except (TypeError, ValueError):
        raise RuleViolation("Name the participant who leaves.", field="participant") from None
    if not selectors.present(conference).filter(pk=chosen).exclude(call_sid="").exists():
        raise RuleViolation("No such participant in the conversation.", field="participant")
    return {"participant": chosen}


def _end(action: ConversationAction) -> None:
    telephony.end_conference(action.conference.sid)


def _leave(action: ConversationAction) -> dict:
    participant = action.conference.participants.get(pk=action.params["participant"])
    telephony.remove_participant(action.conference.sid, participant.call_sid)
    return {"participant": participant}


HOLD = register(
    ActionKind("hold", "Hold", HOLD_CONVERSATIONS, validate_hold, lambda a: _hold(a, True))
)
UNHOLD = register(
    ActionKind("unhold", "Unhold", HOLD_CONVERSATIONS, validate_hold, lambda a: _hold(a, False))
)
MUTE = register(
    ActionKind(
        "mute",
        "Mute",
        HOLD_CONVERSATIONS,
        validate_who,
        lambda a: _mute(a, True),
        inputs=("who",),
    )
)
UNMUTE = register(
    ActionKind(
        "unmute",
        "Unmute",
        HOLD_CONVERSATIONS,
        validate_who,
        lambda a: _mute(a, False),
        inputs=("who",),
    )
)
LEAVE = register(
    ActionKind(
        "leave", "Let go", HOLD_CONVERSATIONS, validate_leave, _leave, inputs=("participant",)
    )
)
END = register(ActionKind("end", "End for everyone", HOLD_CONVERSATIONS, no_params, _end))
