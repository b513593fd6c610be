"""Placing outbound calls: validate, save `pending`, then create at Twilio once.

The create is the one request that must never be replayed blindly: a second
create dials the customer twice. A create whose answer was lost leaves the call
`unknown` for `calls.services.reconciling` to find by listing Twilio's calls.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import rules, telephony
from ..exceptions import RetryLater, RuleViolation, TwilioError, TwilioUnreachable
from ..models import Call, CallStatus, Direction, IfMachine
from ..tasks import dispatch_call as dispatch_call_task
from ..tasks import reconcile_call as reconcile_call_task
from ..urls_public import public_url
from .common import locked_call
from .events import record_snapshot

# The wait before the next try of a create that reached no one doubles from 2 s
# up to this; the tries stop once their waits add up to DISPATCH_RETRY_SECONDS.
DISPATCH_LONGEST_WAIT = 30
# error_code of a call Twilio could not be reached for during the whole budget.
TWILIO_UNREACHABLE = "twilio-unreachable"
# Seconds before the first look for a call whose create answer was lost.
FIND_LOST_CREATE_AFTER = 3
STATUS_CALLBACK_EVENTS = ["initiated", "ringing", "answered", "completed"]
# The 2008 API's IfMachine onto today's MachineDetection (facts.md).
MACHINE_DETECTION = {
    IfMachine.NONE: "",
    IfMachine.CONTINUE: "DetectMessageEnd",
    IfMachine.HANGUP: "Enable",
}


def place_call(
    *,
    to: str,
    from_: str,
    url: str = "",
    twiml: str = "",
    method: str = "POST",
    fallback_url: str = "",
    fallback_method: str = "POST",
    if_machine: str = "none",
    async_amd: bool = False,
    send_digits: str = "",
    timeout: int = 60,
    time_limit: int | None = None,
    source: str = "api",
    created_by=None,
    idempotency_key: str = "",
) -> Call:
    """Save a `pending` outbound call and queue its dispatch. Raises RuleViolation.

    `async_amd` runs the machine detection of `if_machine` in the background:
    the flow starts at once and the verdict comes to our AMD callback.
    """
    fields = {
        "to_number": rules.phone_number(to, field="to"),
        "from_number": rules.phone_number(from_, field="from"),
        "url": rules.absolute_url(url, field="url"),
        "twiml": rules.twiml_document(twiml),
        "method": rules.http_method(method, field="method"),
        "fallback_url": rules.absolute_url(fallback_url, field="fallback_url"),
        "fallback_method": rules.http_method(fallback_method, field="fallback_method"),
        "if_machine": rules.if_machine(if_machine),
        "send_digits": rules.send_digits(send_digits),
        "timeout": rules.ring_timeout(timeout),
        "time_limit": rules.time_limit(time_limit),
    }
    rules.url_xor_twiml(fields["url"], fields["twiml"])
    fields["async_amd"] = _async_amd(async_amd, fields["if_machine"])
    if idempotency_key:
        earlier = _earlier_call(created_by, idempotency_key)
        if earlier is not None:
            return earlier
    try:
        with transaction.atomic():
            call = Call.objects.create(
                **fields,
                direction=Direction.OUTBOUND_API,
                status=CallStatus.PENDING,
                source=source,
                created_by=created_by,
                idempotency_key=idempotency_key,
            )
            transaction.on_commit(partial(dispatch_call_task.delay, call.pk))
    except IntegrityError:
        # The same key raced us in another request: that call is the answer.
        earlier = _earlier_call(created_by, idempotency_key) if idempotency_key else None
        if earlier is None:
            raise
        return earlier
    return call


def _async_amd(async_amd: bool, if_machine: str) -> bool:
    if async_amd and if_machine == IfMachine.NONE:
        raise RuleViolation(
            "Asynchronous detection needs if_machine continue or hangup.", field="async_amd"
        )
    return bool(async_amd)


def _earlier_call(created_by, idempotency_key: str) -> Call | None:
    return Call.objects.filter(created_by=created_by, idempotency_key=idempotency_key).first()


def create_params(call: Call) -> dict:
    """Our answer URL, fallback and status callback always; the user's flow comes later."""
    params = {
        "to": call.to_number,
        "from_": call.from_number,
        "url": public_url("calls-webhooks:answer", call_id=call.pk),
        "method": "POST",
        "fallback_url": public_url("calls-webhooks:fallback", call_id=call.pk),
        "fallback_method": "POST",
        "status_callback": public_url("calls-webhooks:status", query={"call": call.pk}),
        "status_callback_event": STATUS_CALLBACK_EVENTS,
        "status_callback_method": "POST",
        "machine_detection": MACHINE_DETECTION[call.if_machine],
        # Twilio ignores detection when SendDigits is given: the answer plays them instead.
        "send_digits": call.send_digits if call.if_machine == IfMachine.NONE else "",
        "timeout": call.timeout,
        "time_limit": call.time_limit,
    }
    if call.async_amd:
        params.update(
            async_amd="true",
            async_amd_status_callback=public_url("calls-webhooks:amd", call_id=call.pk),
            async_amd_status_callback_method="POST",
        )
    return params


def dispatch_call(call_id: int, *, gate: AbstractContextManager | None = None) -> Call | None:
    """Create the call at Twilio, once. Anything but `pending` is left alone.

    Raises RetryLater when Twilio refused for a moment (20429, 5xx, no
    connection): the call is `pending` again and nothing was dialed. `gate`
    goes to `telephony.create_call`: entered right before the request leaves.
    """
    with transaction.atomic():
        call = locked_call(call_id)
        if call is None or call.status != CallStatus.PENDING:
            return None
        call.status = CallStatus.DISPATCHING
        call.dispatch_attempts += 1
        call.dispatched_at = timezone.now()
        # What an earlier try ran into is no longer news: this try tells its own.
        call.error_code, call.error_message = "", ""
        call.save(
            update_fields=[
                "status",
                "dispatch_attempts",
                "dispatched_at",
                "error_code",
                "error_message",
                "updated_at",
            ]
        )
    try:
        created = telephony.create_call(gate=gate, **create_params(call))
    except telephony.TwilioNotReached as exc:
        _retry_or_fail(call, exc, code=TWILIO_UNREACHABLE)
    except TwilioUnreachable as exc:
        _lost_create_answer(call, exc)
    except TwilioError as exc:
        code = str(exc.code or "")
        if exc.retryable:
            _retry_or_fail(call, exc, code=code or TWILIO_UNREACHABLE)
        else:
            _finish_dispatching(call, CallStatus.FAILED, code, exc.message)
    else:
        return record_snapshot(call.pk, created)
    return None


def _retry_or_fail(call: Call, exc: Exception, *, code: str) -> None:
    """Nothing was dialed: back to `pending` for another try after a wait, or failed
    once the waits have used up DISPATCH_RETRY_SECONDS (a telephony outage of a few
    minutes costs no call)."""
    wait = next_dispatch_wait(call.dispatch_attempts)
    if wait is None:
        _finish_dispatching(call, CallStatus.FAILED, code, str(exc))
        return
    _finish_dispatching(call, CallStatus.PENDING, code, str(exc))
    raise RetryLater(wait, str(exc))


def next_dispatch_wait(attempts: int) -> int | None:
    """Seconds before try `attempts + 1`; None once the tries so far waited
    DISPATCH_RETRY_SECONDS in all."""
    waits = [min(2**attempt, DISPATCH_LONGEST_WAIT) for attempt in range(1, attempts + 1)]
    if sum(waits[:-1]) >= settings.DISPATCH_RETRY_SECONDS:
        return None
    return waits[-1]


def _finish_dispatching(call: Call, status: str, code: str, message: str) -> None:
    with transaction.atomic():
        current = locked_call(call.pk)
        if current is None or current.status != CallStatus.DISPATCHING:
            return
        current.status = status
        current.error_code = code
        current.error_message = message[:500]
        current.save(update_fields=["status", "error_code", "error_message", "updated_at"])


def _lost_create_answer(call: Call, exc: Exception) -> None:
    """The create may have dialed: mark `unknown` and look for it, never send it again."""
    with transaction.atomic():
        _finish_dispatching(call, CallStatus.UNKNOWN, "", str(exc))
        transaction.on_commit(
            partial(reconcile_call_task.apply_async, (call.pk,), countdown=FIND_LOST_CREATE_AFTER)
        )
