"""A supervisor joins the conversation: listening (muted: heard by nobody),
whispering (coaching: heard by the agent only) or barging (heard by both).

The first of these dials the supervisor's phone, SIP address or browser client
(`to`) into the room, as `connect` dials an agent. A supervisor already in the
room at that address is switched in place (Twilio's Participants update):
listening, then whispering, then barging is one call to their phone, not three.
The address is who is on the line, whoever asks: switching their call is what
dialing the same phone again would have tried to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from calls import telephony
from calls.exceptions import RuleViolation
from calls.models import FINAL_STATUSES

from .. import selectors
from ..models import Conference, ConversationAction, Participant, Role
from ..permissions import SUPERVISE_CONVERSATIONS
from ..registry import ActionKind, register
from .dialing import dial_in, endpoint
from .holding import present_sid
from .params import only


@dataclass(frozen=True)
class Mode:
    """How a supervisor is in the room, as Twilio's Participant flags say it."""

    doing: str
    muted: bool
    coaching: bool


MODES = {
    "listen": Mode("listening", muted=True, coaching=False),
    "whisper": Mode("whispering", muted=False, coaching=True),
    "barge": Mode("barging in", muted=False, coaching=False),
}


def supervisor_at(conference: Conference, to: str) -> Participant | None:
    """The supervisor in the room now on the call to `to`, newest first."""
    found = selectors.present(conference, Role.SUPERVISOR).filter(endpoint=to)
    return found.exclude(call_sid="").order_by("-joined_at", "-id").first()


def being_dialed(conference: Conference, to: str) -> bool:
    """Whether the supervisor at `to` is being dialed in: their phone rings, not yet in the room."""
    waiting = conference.participants.filter(
        role=Role.SUPERVISOR, endpoint=to, joined_at__isnull=True, left_at__isnull=True
    )
    return waiting.filter(call__isnull=False).exclude(call__status__in=FINAL_STATUSES).exists()


def coached_sid(participant: Participant) -> str:
    """Whom the participant whispers to, as the newest conference callback about them says."""
    newest = (
        participant.conference.events.filter(call_sid=participant.call_sid)
        .order_by("-sequence_number")
        .first()
    )
    return (newest.params.get("CallSidToCoach") or "") if newest else ""


def in_force(kind: str, participant: Participant, agent: Participant | None) -> bool:
    """Whether the supervisor is already doing `kind`: whispering counts only to the
    agent in the room now (after a transfer they may coach the next one)."""
    mode = MODES[kind]
    if (participant.muted, participant.coaching) != (mode.muted, mode.coaching):
        return False
    return not mode.coaching or (agent is not None and coached_sid(participant) == agent.call_sid)


def validate_supervisor(conference: Conference, params: Mapping, *, kind: str) -> dict:
    """`to` cleaned; refused on `to` when the supervisor there already does `kind`, or
    is still being dialed in (asked again once they answer, their call is switched)."""
    only(params, ("to",))
    to = endpoint(params.get("to"))
    agent = present_sid(conference, Role.AGENT, field="call") if kind == "whisper" else None
    supervisor = supervisor_at(conference, to)
    if supervisor is not None and in_force(kind, supervisor, agent):
        raise RuleViolation(
            f"The supervisor at {to} is already {MODES[kind].doing}.", field="to", code="already"
        )
    if supervisor is None and being_dialed(conference, to):
        raise RuleViolation(
            f"The supervisor at {to} is still being dialed in; ask again once they answer.",
            field="to",
            code="dialing",
        )
    return {"to": to}


def _supervise(action: ConversationAction, kind: str) -> dict:
    """Switch the supervisor already in the room, or dial them in. Twilio wants labels
    unique in a room: one per supervisor's dial-in."""
    to, mode = action.params["to"], MODES[kind]
    coach = (
        present_sid(action.conference, Role.AGENT, field="call").call_sid if mode.coaching else ""
    )
    supervisor = supervisor_at(action.conference, to)
    if supervisor is None:
        return dial_in(
            action,
            to=to,
            role=Role.SUPERVISOR,
            label=action.dial_label,
            muted=mode.muted,
            coach=coach,
        )
    telephony.update_participant(
        action.conference.sid,
        supervisor.call_sid,
        muted=mode.muted,
        coaching=mode.coaching,
        call_sid_to_coach=coach,
    )
    return {"participant": supervisor}


def _kind(name: str, label: str) -> ActionKind:
    return register(
        ActionKind(
            name,
            label,
            SUPERVISE_CONVERSATIONS,
            lambda conference, params: validate_supervisor(conference, params, kind=name),
            lambda action: _supervise(action, name),
            inputs=("to",),
        )
    )


LISTEN = _kind("listen", "Listen")
WHISPER = _kind("whisper", "Whisper")
BARGE = _kind("barge", "Barge in")
