"""Changing live calls: redirect (Url or Twiml), hang up, cancel; now, at a time, or
when a leg ends.

Every request is a `Redirect` row first, checked against the rules, and is
sent by a task: scheduled -> queued -> sending -> done | failed. A scheduled
row waits in the database (never as a far-future broker ETA) until the beat
task claims it with `SKIP LOCKED`; the send moves `queued` to `sending` under
the row lock, so a second delivery of the same task finds nothing to do.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import transaction
from django.utils import timezone

from .. import rules, telephony
from ..exceptions import RuleViolation, TwilioError, TwilioUnreachable
from ..models import (
    LIVE_STATUSES,
    Call,
    CallStatus,
    Redirect,
    RedirectState,
    RedirectTrigger,
    Source,
)
from ..signals import redirect_sending
from ..tasks import reconcile_call as reconcile_call_task
from ..tasks import send_redirect as send_redirect_task
from ..urls_public import public_url
from .call_end import send_redirects_on_commit
from .claiming import claim_due
from .common import cancel_scheduled
from .events import record_snapshot
from .send_attempts import attempt_end, attempt_retry_or_fail

# A 21220 right after `answered` is Twilio catching up (facts.md): one short retry.
INVALID_CALL_STATE = 21220
CALL_STATE_RETRY_SECONDS = 1.0
CLAIM_BATCH = 200


def request_redirect(
    call: Call,
    *,
    url: str = "",
    twiml: str = "",
    method: str = "POST",
    fallback_url: str = "",
    fallback_method: str = "POST",
    at: dt.datetime | None = None,
    on_leg_end: bool = False,
    reason: str = "",
    origin: str = Source.API,
    requested_by=None,
) -> Redirect:
    """Send the call to a new Url (or inline Twiml), now, `at` a moment, or `on_leg_end`.

    `on_leg_end` waits for the call's `<Dial>` leg to end (a survey after the
    agent hangs up) instead of interrupting it.
    """
    url = rules.absolute_url(url, field="url")
    twiml = rules.twiml_document(twiml)
    rules.url_xor_twiml(url, twiml)
    fields = {
        "url": url,
        "twiml": twiml,
        "method": rules.http_method(method, field="method"),
        "fallback_url": rules.absolute_url(fallback_url, field="fallback_url"),
        "fallback_method": rules.http_method(fallback_method, field="fallback_method"),
    }
    return _open(call, fields, _trigger_for(at, on_leg_end), at, reason, origin, requested_by)


def hang_up(
    call: Call,
    *,
    at: dt.datetime | None = None,
    on_leg_end: bool = False,
    reason: str = "",
    origin: str = Source.API,
    requested_by=None,
) -> Redirect:
    """End the call whatever its state (`Status=completed`), now, `at` a moment, or
    `on_leg_end` (the caller is let go when the agent hangs up)."""
    fields = {"target_status": CallStatus.COMPLETED}
    return _open(call, fields, _trigger_for(at, on_leg_end), at, reason, origin, requested_by)


def cancel_call(
    call: Call, *, reason: str = "", origin: str = Source.API, requested_by=None
) -> Redirect:
    """Stop a call that has not been answered (`Status=canceled`); refused once answered."""
    rules.cancelable(call)
    fields = {"target_status": CallStatus.CANCELED}
    return _open(call, fields, RedirectTrigger.NOW, None, reason, origin, requested_by)


def cancel_redirect(redirect: Redirect, *, requested_by=None) -> Redirect:
    """Withdraw a redirect that is still waiting for its time; any other state is refused."""
    return cancel_scheduled(redirect, noun="redirect", requested_by=requested_by)


def _trigger_for(at: dt.datetime | None, on_leg_end: bool = False) -> str:
    if on_leg_end:
        if at is not None:
            raise RuleViolation("Give a time or 'when the leg ends', not both.", field="at")
        return RedirectTrigger.LEG_ENDED
    if at is None:
        return RedirectTrigger.NOW
    if at <= timezone.now():
        raise RuleViolation(
            "The time must be in the future; leave it out to act now.", field="at", code="past"
        )
    return RedirectTrigger.AT


def _open(
    call: Call, fields: dict, trigger: str, at, reason: str, origin: str, requested_by
) -> Redirect:
    """Check the call can take it, save the row and, when due now, queue the send."""
    rules.call_can_change(call)
    # An answered call stays answered: a Studio Flow is refused now, not when due.
    rules.studio_flow_target(call, fields.get("url", ""))
    due_now = trigger == RedirectTrigger.NOW or (
        trigger == RedirectTrigger.LEG_ENDED
        and not call.legs.filter(status__in=LIVE_STATUSES).exists()
    )
    if due_now and not call.sid:
        raise RuleViolation(
            "The call has not reached Twilio yet; schedule the change with a time instead.",
            field="call",
            code="not_dialed",
        )
    with transaction.atomic():
        redirect = Redirect.objects.create(
            call=call,
            **fields,
            trigger=trigger,
            due_at=at,
            state=RedirectState.QUEUED if due_now else RedirectState.SCHEDULED,
            reason=reason,
            origin=origin,
            requested_by=requested_by,
        )
        if due_now:
            send_redirects_on_commit([redirect.pk])
    return redirect


def fire_due_redirects(*, now: dt.datetime | None = None) -> list[int]:
    """Claim the scheduled redirects whose time has come and queue their sends."""
    return claim_due(
        Redirect.objects.filter(trigger=RedirectTrigger.AT),
        now=now or timezone.now(),
        batch=CLAIM_BATCH,
        send_task=send_redirect_task,
    )


def send_redirect(redirect_id: int) -> Redirect | None:
    """Send one queued redirect to Twilio; None when there was nothing to do.

    Raises RetryLater when Twilio asked us to come back (20429, 5xx, 21220
    right after answer); the row is `queued` again meanwhile.
    """
    redirect = _start_sending(redirect_id)
    if redirect is None:
        return None
    try:
        answer = telephony.update_call(redirect.call.sid, **_update_params(redirect))
    except TwilioError as exc:
        return _refused(redirect, exc)
    except TwilioUnreachable as exc:
        # An update is safe to repeat: the same Url again, or a second hang-up.
        return attempt_retry_or_fail(redirect, None, str(exc), 2**redirect.attempts)
    record_snapshot(redirect.call_id, answer)
    return attempt_end(redirect, RedirectState.DONE)


def _start_sending(redirect_id: int) -> Redirect | None:
    with transaction.atomic():
        redirect = (
            Redirect.objects.select_for_update(of=("self",))
            .select_related("call")
            .filter(pk=redirect_id)
            .first()
        )
        if redirect is None or redirect.state != RedirectState.QUEUED:
            return None
        call = redirect.call
        problem = _why_not_now(redirect, call)
        if problem is not None:
            state, message = problem
            redirect.state = state
            redirect.error_message = message
            redirect.finished_at = timezone.now()
            redirect.save(update_fields=["state", "error_message", "finished_at"])
            return None
        redirect.state = RedirectState.SENDING
        redirect.attempts += 1
        redirect.sent_at = timezone.now()
        redirect.save(update_fields=["state", "attempts", "sent_at"])
        transaction.on_commit(lambda: redirect_sending.send(sender=Redirect, redirect=redirect))
    return redirect


def _why_not_now(redirect: Redirect, call: Call) -> tuple[str, str] | None:
    """(state, message) when the redirect can no longer be sent as asked."""
    if call.is_final:
        return RedirectState.SKIPPED, f"The call had ended ({call.status})."
    if not call.sid:
        return RedirectState.FAILED, "The call never reached Twilio."
    try:
        if redirect.target_status == CallStatus.CANCELED:
            rules.cancelable(call)
        rules.studio_flow_target(call, redirect.url)
    except RuleViolation as refused:
        return RedirectState.FAILED, refused.message
    return None


def _update_params(redirect: Redirect) -> dict:
    """The update's parameters; a new document always comes with our FallbackUrl, which
    records a failure and hands the caller to the user's own fallback when given."""
    if redirect.target_status:
        return {"status": redirect.target_status}
    return {
        "url": redirect.url,
        "twiml": redirect.twiml,
        "method": redirect.method if redirect.url else "",
        "fallback_url": public_url("calls-webhooks:redirect-fallback", redirect_id=redirect.pk),
        "fallback_method": "POST",
    }


def _refused(redirect: Redirect, exc: TwilioError) -> Redirect:
    if exc.code == INVALID_CALL_STATE:
        if redirect.attempts < 2:
            return attempt_retry_or_fail(redirect, exc.code, exc.message, CALL_STATE_RETRY_SECONDS)
        # Twilio says the call is over: find out how it ended.
        transaction.on_commit(partial(reconcile_call_task.delay, redirect.call_id))
    elif exc.retryable:
        return attempt_retry_or_fail(redirect, exc.code, exc.message, 2**redirect.attempts)
    return attempt_end(redirect, RedirectState.FAILED, exc.code, exc.message)
