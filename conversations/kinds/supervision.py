"""A supervisor joins the conversation: listening (muted: heard by nobody),
whispering (coaching: heard by the agent only) or barging (heard by both).

Each dials the supervisor's phone, SIP address or browser client (`to`) into
the room, as `connect` dials an agent.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..models import Conference, ConversationAction, Role
from ..permissions import SUPERVISE_CONVERSATIONS
from ..registry import ActionKind, register
from .dialing import dial_in, endpoint
from .holding import present_sid
from .params import only


def validate_supervisor(conference: Conference, params: Mapping) -> dict:
    only(params, ("to",))
    return {"to": endpoint(params.get("to"))}


def validate_whisper(conference: Conference, params: Mapping) -> dict:
    cleaned = validate_supervisor(conference, params)
    present_sid(conference, Role.AGENT, field="call")
    return cleaned


def _supervisor(action: ConversationAction, **how) -> dict:
    """Twilio wants labels unique in a room: one per supervisor's action."""
    label = f"{action.kind}-{action.pk}"
    return dial_in(action, to=action.params["to"], role=Role.SUPERVISOR, label=label, **how)


def _listen(action: ConversationAction) -> dict:
    return _supervisor(action, muted=True)


def _whisper(action: ConversationAction) -> dict:
    agent = present_sid(action.conference, Role.AGENT, field="call")
    return _supervisor(action, coach=agent.call_sid)


def _barge(action: ConversationAction) -> dict:
    return _supervisor(action)


LISTEN = register(
    ActionKind(
        "listen", "Listen", SUPERVISE_CONVERSATIONS, validate_supervisor, _listen, inputs=("to",)
    )
)
WHISPER = register(
    ActionKind(
        "whisper", "Whisper", SUPERVISE_CONVERSATIONS, validate_whisper, _whisper, inputs=("to",)
    )
)
BARGE = register(
    ActionKind(
        "barge", "Barge in", SUPERVISE_CONVERSATIONS, validate_supervisor, _barge, inputs=("to",)
    )
)
