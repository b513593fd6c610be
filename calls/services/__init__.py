"""The operations that change calls, legs, events and redirects: the only writers.

Admin, API, webhooks and tasks call these, so every path obeys the same rules
(`calls.rules`) and the same locking.
"""

from .answering import (
    answer_document,
    notify_machine_hangup,
    record_answer,
    record_fallback,
    record_machine_detection,
)
from .common import cancel_scheduled
from .conference_legs import (
    conference_leg_dialed,
    conference_leg_failed,
    conference_leg_open,
    conference_leg_status_url,
)
from .events import record_call_from_webhook, record_snapshot, record_status_event
from .fallbacks import redirect_target_failed
from .placing import dispatch_call, place_call
from .reconciling import reconcile_call, reconcile_stale_calls
from .redirects import (
    cancel_call,
    cancel_redirect,
    fire_due_redirects,
    hang_up,
    request_redirect,
    send_redirect,
)

__all__ = [
    "answer_document",
    "cancel_call",
    "cancel_redirect",
    "cancel_scheduled",
    "conference_leg_dialed",
    "conference_leg_failed",
    "conference_leg_open",
    "conference_leg_status_url",
    "dispatch_call",
    "fire_due_redirects",
    "hang_up",
    "notify_machine_hangup",
    "place_call",
    "reconcile_call",
    "reconcile_stale_calls",
    "record_answer",
    "record_call_from_webhook",
    "record_fallback",
    "record_machine_detection",
    "record_snapshot",
    "record_status_event",
    "redirect_target_failed",
    "request_redirect",
    "send_redirect",
]
