"""End the conversation for everyone: the conference ends, each call goes on after it
(the customer to what follows their `<Dial>`, e.g. the survey)."""

from __future__ import annotations

from calls import telephony

from ..models import ConversationAction
from ..permissions import HOLD_CONVERSATIONS
from ..registry import ActionKind, register
from .params import no_params


def end_for_everyone(action: ConversationAction) -> None:
    telephony.end_conference(action.conference.sid)


END = register(
    ActionKind(
        name="end",
        label="End for everyone",
        permission=HOLD_CONVERSATIONS,
        validate=no_params,
        perform=end_for_everyone,
    )
)
