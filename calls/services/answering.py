"""What the answer URL of an outbound call learns: who answered, and what follows.

The 2008 API's IfMachine and DialStatus (seed 002) are rebuilt on today's
machine detection: the answer request carries `AnsweredBy`, from which the
outcome is decided once and kept on the call.
"""

from __future__ import annotations

from django.db import transaction

from ..models import Call, CallStatus, EventKind, IfMachine, Outcome
from .events import apply_progress, locked_call_for_webhook, store_event

MACHINE_ANSWERS = ("machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other")


def outcome_of(if_machine: str, answered_by: str) -> str:
    """The 2008 DialStatus for a policy and Twilio's AnsweredBy (`unknown` counts as human)."""
    if if_machine == IfMachine.NONE:
        return Outcome.ANSWERED
    is_machine = answered_by in MACHINE_ANSWERS or answered_by == "fax"
    if not is_machine:
        return Outcome.ANSWERED_HUMAN
    if if_machine == IfMachine.HANGUP:
        return Outcome.HANGUP_MACHINE
    return Outcome.ANSWERED_MACHINE


def record_answer(call_id: int, params) -> Call:
    """Store the answer request, mark the call in progress and decide its outcome.

    A repeated answer request (Twilio retries after a timeout) keeps the first
    outcome, so the flow the caller gets does not change half-way.
    """
    with transaction.atomic():
        call, _ = locked_call_for_webhook(params, call_id)
        answered_by = params.get("AnsweredBy", "")
        event = store_event(
            call,
            EventKind.ANSWER,
            params,
            fingerprint=f"{call.sid}:answer",
            call_status=params.get("CallStatus", ""),
        )
        changes = {
            "answered_by": answered_by,
            "outcome": outcome_of(call.if_machine, answered_by),
        }
        apply_progress(call, CallStatus.IN_PROGRESS, changes, event=event)
    return call


def record_fallback(call_id: int, params) -> Call:
    """Keep Twilio's report that our answer URL failed (ErrorCode, ErrorUrl)."""
    with transaction.atomic():
        call, _ = locked_call_for_webhook(params, call_id)
        store_event(
            call,
            EventKind.ANSWER,
            params,
            fingerprint=f"{call.sid}:fallback",
            call_status=params.get("CallStatus", ""),
        )
    return call
