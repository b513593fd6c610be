"""What the answer URL of an outbound call learns: who answered, and what follows.

The 2008 API's IfMachine and DialStatus (seed 002) are rebuilt on today's
machine detection: the answer request carries `AnsweredBy` (or, with
`async_amd`, the AMD callback does later), from which the outcome is decided
once and kept on the call.
"""

from __future__ import annotations

from django.db import transaction

from ..models import Call, CallEvent, CallStatus, EventKind, IfMachine, Outcome, Source
from .events import apply_progress, locked_call_for_webhook, store_event
from .redirects import hang_up

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
    outcome, so the flow the caller gets does not change half-way. With
    `async_amd` the verdict is not known yet: the outcome waits for the AMD
    callback and the flow starts with DialStatus `answered`.
    """
    with transaction.atomic():
        call, event = _locked_call_and_event(call_id, params, EventKind.ANSWER, "answer")
        answered_by = params.get("AnsweredBy", "")
        changes = {
            "answered_by": answered_by,
            "outcome": "" if call.async_amd else outcome_of(call.if_machine, answered_by),
        }
        apply_progress(call, CallStatus.IN_PROGRESS, changes, event=event)
    return call


def record_machine_detection(call_id: int, params) -> Call:
    """Keep the AMD callback's verdict (once) and apply the call's `if_machine` policy.

    Under `hangup` a machine or fax is hung up through `hang_up`, so the
    request is a `Redirect` like any other (origin `system`) and is sent by a
    worker: this webhook answers at once. A repeated callback changes nothing.
    """
    with transaction.atomic():
        call, event = _locked_call_and_event(call_id, params, EventKind.AMD, "amd")
        if event is None:
            return call
        answered_by = params.get("AnsweredBy", "")
        changes = {"answered_by": answered_by, "outcome": outcome_of(call.if_machine, answered_by)}
        apply_progress(call, CallStatus.IN_PROGRESS, changes, event=event)
        if call.outcome == Outcome.HANGUP_MACHINE and not call.is_final:
            hang_up(
                call,
                reason=f"Answering machine detection: {answered_by}.",
                origin=Source.SYSTEM,
            )
    return call


def record_fallback(call_id: int, params) -> Call:
    """Keep Twilio's report that our answer URL failed (ErrorCode, ErrorUrl)."""
    with transaction.atomic():
        call, _ = _locked_call_and_event(call_id, params, EventKind.ANSWER, "fallback")
    return call


def _locked_call_and_event(
    call_id: int, params, kind: str, name: str
) -> tuple[Call, CallEvent | None]:
    """The locked call and the request stored as its event `name` (None when a repeat).

    One event per name and call: Twilio's retries of the same request are kept once.
    """
    call, _ = locked_call_for_webhook(params, call_id)
    event = store_event(
        call,
        kind,
        params,
        fingerprint=f"{call.sid}:{name}",
        call_status=params.get("CallStatus", ""),
    )
    return call, event
