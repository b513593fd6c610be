"""Repairing what callbacks did not tell us, by asking Twilio.

Two cases: a create whose answer was lost (the call is `unknown`: it may or
may not be ringing someone) is found by listing Twilio's calls to that number,
never by creating it again; a call that has sat in a live state longer than
RECONCILE_AFTER_SECONDS is fetched, so a lost callback cannot leave it ringing
forever. A call Twilio answers 20404 for (it has no such call) is failed with
that code: asking again could never tell more.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import telephony
from ..exceptions import RetryLater, TwilioError, TwilioUnreachable
from ..models import (
    LIVE_STATUSES,
    Call,
    CallStatus,
    Direction,
    EventKind,
    Redirect,
    RedirectState,
)
from ..tasks import dispatch_call as dispatch_call_task
from ..tasks import reconcile_call as reconcile_call_task
from ..tasks import send_redirect as send_redirect_task
from ..telephony import TwilioCall
from .claiming import claim
from .common import locked_call
from .events import apply_progress, record_snapshot, store_event

# Twilio's clock and ours may differ a little; a created call can look older.
CLOCK_SKEW = dt.timedelta(seconds=60)
LOOK_AGAIN_SECONDS = 5
STALE_BATCH = 200
NOT_FOUND = 20404
LOST_CREATE_STATUSES = (CallStatus.DISPATCHING, CallStatus.UNKNOWN)


def reconcile_call(call_id: int) -> Call | None:
    """Bring one call up to date from Twilio; None when there was nothing to ask.

    Raises RetryLater while a lost create cannot be found yet, and when Twilio
    could not answer for a moment.
    """
    call = Call.objects.filter(pk=call_id).first()
    if call is None or call.is_final or call.status == CallStatus.PENDING:
        return None
    try:
        if call.sid:
            return _fetched(call)
        if call.status in LOST_CREATE_STATUSES:
            return _find_lost_create(call)
    except TwilioUnreachable as exc:
        raise RetryLater(LOOK_AGAIN_SECONDS, str(exc)) from exc
    except TwilioError as exc:
        if exc.retryable:
            raise RetryLater(LOOK_AGAIN_SECONDS, str(exc)) from exc
        raise
    return None


def _fetched(call: Call) -> Call:
    """The call as Twilio shows it now; failed with 20404 when Twilio has no such call."""
    try:
        snapshot = telephony.fetch_call(call.sid)
    except TwilioError as exc:
        if exc.code != NOT_FOUND:
            raise
        return _unknown_to_twilio(call.pk, exc)
    return record_snapshot(call.pk, snapshot, as_event=True)


def _unknown_to_twilio(call_id: int, exc: TwilioError) -> Call:
    """Fail the call with Twilio's 20404, kept as a status event that says why.

    A final state is what takes it off the board and out of the stale calls.
    """
    message = f"Twilio has no such call: {exc.message}"[:500]
    with transaction.atomic():
        call = locked_call(call_id)
        event = store_event(
            call,
            EventKind.STATUS,
            {"ErrorCode": str(exc.code), "ErrorMessage": message},
            fingerprint=f"{call.sid}:status:reconciled:not-found",
            call_status=CallStatus.FAILED,
        )
        call.error_code, call.error_message = str(exc.code), message
        call.save(update_fields=["error_code", "error_message"])
        apply_progress(call, CallStatus.FAILED, {}, event=event)
    return call


def _find_lost_create(call: Call) -> Call | None:
    """Bind the call to the one Twilio made from our create, or give up after a while."""
    with transaction.atomic():
        current = locked_call(call.pk)
        if current.status == CallStatus.DISPATCHING:
            # The worker that sent the create died before hearing back.
            current.status = CallStatus.UNKNOWN
            current.save(update_fields=["status", "updated_at"])
    found = _created_at_twilio(current)
    if found is not None:
        # The lost answer is no error of the call Twilio did make.
        Call.objects.filter(pk=current.pk).update(error_code="", error_message="")
        return record_snapshot(current.pk, found, as_event=True)
    sent_at = current.dispatched_at or current.created_at
    if timezone.now() - sent_at < dt.timedelta(seconds=settings.RECONCILE_AFTER_SECONDS):
        raise RetryLater(LOOK_AGAIN_SECONDS, "the created call is not listed yet")
    with transaction.atomic():
        current = locked_call(call.pk)
        if current.status != CallStatus.UNKNOWN or current.sid:
            return current
        current.status = CallStatus.FAILED
        current.error_message = (
            "The create's answer was lost and Twilio lists no such call: nobody was dialed."
        )
        current.save(update_fields=["status", "error_message", "updated_at"])
    return current


def _created_at_twilio(call: Call) -> TwilioCall | None:
    """The earliest call Twilio lists to this number, from this number, since the create."""
    sent_at = (call.dispatched_at or call.created_at) - CLOCK_SKEW
    listed = [
        found
        for found in telephony.list_calls(to=call.to_number, from_=call.from_number)
        if (found.to_number, found.from_number) == (call.to_number, call.from_number)
        and found.direction == Direction.OUTBOUND_API
        and not found.parent_call_sid
        and found.date_created is not None
        and found.date_created >= sent_at
    ]
    known = set(Call.objects.filter(sid__in=[c.sid for c in listed]).values_list("sid", flat=True))
    fresh = sorted((c for c in listed if c.sid not in known), key=lambda c: c.date_created)
    return fresh[0] if fresh else None


def reconcile_stale_calls(*, now: dt.datetime | None = None) -> list[int]:
    """Queue a look at every call and redirect that has waited too long without news.

    Dispatches and redirect sends whose task message was lost are queued again
    (both are guarded by the row's state, so a duplicate does nothing).
    """
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.RECONCILE_AFTER_SECONDS)
    stale = list(
        Call.objects.filter(
            status__in=[*LOST_CREATE_STATUSES, *LIVE_STATUSES], updated_at__lt=cutoff
        ).values_list("pk", flat=True)[:STALE_BATCH]
    )
    for call_id in stale:
        transaction.on_commit(partial(reconcile_call_task.delay, call_id))
    forgotten = Call.objects.filter(status=CallStatus.PENDING, updated_at__lt=cutoff)
    for call_id in forgotten.values_list("pk", flat=True)[:STALE_BATCH]:
        transaction.on_commit(partial(dispatch_call_task.delay, call_id))
    _requeue_stuck_redirects(cutoff)
    return stale


def _requeue_stuck_redirects(cutoff: dt.datetime) -> None:
    stuck = Redirect.objects.filter(
        Q(state=RedirectState.SENDING, sent_at__lt=cutoff)
        | Q(state=RedirectState.QUEUED, due_at__lt=cutoff)
        | Q(state=RedirectState.QUEUED, due_at__isnull=True, created_at__lt=cutoff)
    )
    claim(stuck, batch=STALE_BATCH, send_task=send_redirect_task)
