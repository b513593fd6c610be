"""The calls Twilio makes to bring someone into a conference (Participants create).

Such a call has no ParentCallSid at Twilio, yet it is part of the customer's
call as much as a `<Dial>` leg is: it is recorded as a leg of that call, made
before the create (its id goes into the status callback URL, so a callback
that beats the create's answer is bound to it), and given its SID from the
answer.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..models import Call, CallStatus, Direction, Source
from ..urls_public import public_url
from .common import locked_call
from .events import apply_progress


def conference_leg_open(parent: Call, *, to: str, from_number: str) -> Call:
    """A leg of `parent` about to be dialed into its conference (`dispatching`)."""
    return Call.objects.create(
        parent=parent,
        parent_sid=parent.sid or "",
        direction=Direction.OUTBOUND_DIAL,
        from_number=from_number,
        to_number=to,
        status=CallStatus.DISPATCHING,
        source=Source.SYSTEM,
        dispatched_at=timezone.now(),
    )


def conference_leg_status_url(leg: Call) -> str:
    """The status callback URL of the leg: the shared one, naming our call."""
    return public_url("calls-webhooks:status", query={"call": leg.pk})


def conference_leg_dialed(leg: Call, sid: str) -> None:
    """Twilio answered the create: the leg gets its SID (unless a callback gave it first)."""
    Call.objects.filter(pk=leg.pk, sid__isnull=True).update(sid=sid, updated_at=timezone.now())


def conference_leg_failed(leg: Call, *, code: int | None, message: str) -> None:
    """Twilio refused the create: nobody was dialed. The leg ends `failed`, and those
    who follow legs hear of it (the caller waiting for that agent goes back on hold)."""
    with transaction.atomic():
        call = locked_call(leg.pk)
        if call is None or call.sid:
            return
        changes = {"error_code": str(code or ""), "error_message": message[:500]}
        apply_progress(call, CallStatus.FAILED, {**changes, "end_time": timezone.now()}, event=None)
