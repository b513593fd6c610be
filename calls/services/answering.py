"""What the answer URL of an outbound call learns: who answered, and what follows.

The 2008 API's IfMachine and DialStatus (seed 002) are rebuilt on today's
machine detection: the answer request carries `AnsweredBy` (or, with
`async_amd`, the AMD callback does later), from which the outcome is decided
once and kept on the call.
"""

from __future__ import annotations

from django.db import transaction

from .. import twiml
from ..models import Call, CallEvent, CallStatus, EventKind, IfMachine, Outcome, Source
from ..user_flow import FlowUnavailable, fetch_document, notify, single_values
from .events import apply_progress, locked_call_for_webhook, store_event
from .fallbacks import call_flow_failed, reported_failure
from .redirects import hang_up
from .verdicts import outcome_of


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


def answer_document(call: Call, params) -> str:
    """What the answered call does next: hang up on a machine, or the user's flow.

    The user's URL is fetched here, with `DialStatus` among the POST fields or
    in the query for GET, as the 2008 API sent it (`calls.user_flow`). With
    machine detection the call's SendDigits are played first: Twilio ignores
    detection on a create that has SendDigits, so they wait for the verdict.
    """
    if call.outcome == Outcome.HANGUP_MACHINE:
        return str(twiml.hang_up())
    document = call.twiml
    if not document:
        handed = {**single_values(params), "DialStatus": call.outcome or Outcome.ANSWERED}
        try:
            document = fetch_document(call.url, call.method, handed)
        except FlowUnavailable as failure:
            return call_flow_failed(call, failure, params)
    digits = call.send_digits if call.if_machine != IfMachine.NONE else ""
    return twiml.with_digits_first(document, digits)


def record_fallback(call_id: int, params) -> str:
    """Our FallbackUrl of a placed call: keep Twilio's report (ErrorCode, ErrorUrl) and
    answer with the user's fallback, once, or an apology."""
    with transaction.atomic():
        call, _ = _locked_call_and_event(call_id, params, EventKind.ANSWER, "fallback")
    return call_flow_failed(call, reported_failure(params), params)


def notify_machine_hangup(call_id: int) -> None:
    """Seed 002: after hanging up on a machine, tell the user's URL with
    `DialStatus=hangup-machine`, once; its answer does not matter."""
    call = Call.objects.filter(pk=call_id, outcome=Outcome.HANGUP_MACHINE).exclude(url="").first()
    if call is None:
        return
    answer = call.events.filter(fingerprint=f"{call.sid}:answer").first()
    params = {**(answer.params if answer else {}), "CallStatus": call.status}
    notify(call.url, call.method, {**params, "DialStatus": Outcome.HANGUP_MACHINE})


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
