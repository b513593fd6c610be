"""Every write of the recordings app (one module a concern)."""

from .actions import (
    recording_action_request,
    recording_action_send,
    recording_pause,
    recording_resume,
    recording_stop,
)
from .callbacks import recording_status_record
from .policies import (
    policy_applies,
    recording_policy_apply,
    recording_policy_create,
    recording_policy_delete,
    recording_policy_update,
)
from .retention import expired_recordings, recording_legal_hold_set, recordings_sweep_expired
from .starting import recording_request, recording_start

__all__ = [
    "expired_recordings",
    "policy_applies",
    "recording_action_request",
    "recording_action_send",
    "recording_legal_hold_set",
    "recording_pause",
    "recording_policy_apply",
    "recording_policy_create",
    "recording_policy_delete",
    "recording_policy_update",
    "recording_request",
    "recording_resume",
    "recording_start",
    "recording_status_record",
    "recording_stop",
    "recordings_sweep_expired",
]
