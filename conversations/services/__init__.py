"""The writes of conversations: conferences opened, callbacks recorded, actions sent."""

from .actions import (
    action_cancel,
    action_overturned,
    action_request,
    action_send,
    actions_fire_due,
    token_fingerprint,
)
from .conferences import (
    conference_name,
    conference_open,
    participant_dialed,
    participant_expect,
)
from .events import conference_event_record

__all__ = [
    "action_cancel",
    "action_overturned",
    "action_request",
    "action_send",
    "actions_fire_due",
    "conference_event_record",
    "conference_name",
    "conference_open",
    "participant_dialed",
    "participant_expect",
    "token_fingerprint",
]
