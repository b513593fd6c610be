"""The dialer: claim the next due contact and place its call, at the campaign's pace.

Exactly once, even when a worker is killed with SIGKILL:
- the claim (contact row `FOR UPDATE SKIP LOCKED`), the `Call` saved by the
  core's `place_call` and the attempt are one transaction: either all of them
  are committed or the contact is still waiting;
- `place_call` gets an idempotency key per contact and attempt number, so a
  re-run finds the earlier call instead of making another;
- the contact stays `dialing` until that call ends, and only its end (with a
  retry rule that allows it) makes it due again.
A call committed but never sent (killed before dispatch) is sent by the tick;
the core's own dispatch is idempotent, so it happens once.

The campaign row is locked (`FOR NO KEY UPDATE`) around each claim: a pause
waits for a claim in flight and every later claim sees `paused`, and the
concurrency cap is counted under that lock so two workers cannot both take the
last free line.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from calls.exceptions import RuleViolation
from calls.models import Call, CallStatus, Source
from calls.services import placing
from calls.services.common import RetryLater, enqueue_on_commit
from calls.urls_public import public_url

from .. import pacing
from ..models import (
    Attempt,
    Campaign,
    CampaignState,
    Contact,
    ContactOutcome,
    ContactState,
    DialerLease,
)
from ..windows import open_zones
from .dnc import blocking_entry

logger = logging.getLogger(__name__)

# How long one dialer loop runs before it hands its worker back to other tasks.
LOOP_SECONDS = 2.0
# Loops dialing one campaign at once; each holds a lease, so at most this many.
LOOPS_PER_CAMPAIGN = 2
LEASE_SECONDS = 6.0
# Poll interval while every line is busy or before the next retry falls due.
IDLE_POLL_SECONDS = 0.05
# A call saved but still `pending` after this long lost its dispatch message.
PENDING_RESEND_SECONDS = 20


@dataclass(frozen=True)
class DialResult:
    kind: str  # dialed, stopped, at-capacity, nothing-due
    call: Call | None = None


STOPPED = DialResult("stopped")
AT_CAPACITY = DialResult("at-capacity")
NOTHING_DUE = DialResult("nothing-due")


def idempotency_key(contact: Contact, attempt: int) -> str:
    return f"campaign-{contact.campaign_id}-contact-{contact.pk}-attempt-{attempt}"


def answer_url(contact: Contact, attempt: int) -> str:
    return public_url("campaigns:answer", contact_id=contact.pk, query={"attempt": attempt})


def contact_zones(campaign_id: int) -> list[str]:
    """The distinct zones of contacts still waiting ("" for the campaign's own)."""
    return list(
        Contact.objects.filter(campaign_id=campaign_id, state=ContactState.WAITING)
        .order_by()
        .values_list("time_zone", flat=True)
        .distinct()
    )


def live_calls(campaign: Campaign) -> int:
    return campaign.contacts.filter(state=ContactState.DIALING).count()


def _claim(campaign: Campaign, zones: list[str], now: datetime) -> Contact | None:
    return (
        Contact.objects.select_for_update(skip_locked=True)
        .filter(
            campaign=campaign,
            state=ContactState.WAITING,
            next_attempt_at__lte=now,
            time_zone__in=zones,
        )
        .order_by("next_attempt_at", "id")
        .first()
    )


def _place(campaign: Campaign, contact: Contact) -> Call:
    attempt = contact.attempts + 1
    call = placing.place_call(
        to=contact.phone_number,
        from_=campaign.caller_id,
        url=answer_url(contact, attempt),
        method="POST",
        if_machine=campaign.if_machine,
        send_digits=contact.send_digits or campaign.send_digits,
        timeout=campaign.timeout,
        time_limit=campaign.time_limit,
        source=Source.CAMPAIGN,
        created_by=campaign.created_by,
        idempotency_key=idempotency_key(contact, attempt),
    )
    Attempt.objects.get_or_create(contact=contact, number=attempt, defaults={"call": call})
    contact.state = ContactState.DIALING
    contact.attempts = attempt
    contact.last_call = call
    contact.save(update_fields=["state", "attempts", "last_call", "updated_at"])
    return call


def _finish(contact: Contact, outcome: str) -> None:
    contact.state = ContactState.DONE
    contact.outcome = outcome
    contact.save(update_fields=["state", "outcome", "updated_at"])


def dial_next(campaign_id: int, zones: list[str], *, start_at: float = 0.0) -> DialResult:
    """Claim one due contact in an open window and place its call, in one transaction.

    The claim is made ahead of the paced moment `start_at` (time.monotonic())
    and committed at it: only the commit and the create stand between the
    token and Twilio, so the spacing of creates stays the bucket's.
    """
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(no_key=True).get(pk=campaign_id)
        now = timezone.now()
        if campaign.state != CampaignState.RUNNING or (
            campaign.ends_at and now >= campaign.ends_at
        ):
            return STOPPED
        if live_calls(campaign) >= campaign.max_concurrent_calls:
            return AT_CAPACITY
        open_now = open_zones(campaign, zones, now)
        while open_now:
            contact = _claim(campaign, open_now, now)
            if contact is None:
                break
            if blocking_entry(contact.phone_number) is not None:
                _finish(contact, ContactOutcome.DNC)
                continue
            try:
                with transaction.atomic():
                    call = _place(campaign, contact)
            except RuleViolation as exc:
                logger.warning("Contact %s cannot be dialed: %s", contact.pk, exc.message)
                _finish(contact, ContactOutcome.FAILED)
                continue
            time.sleep(max(start_at - time.monotonic(), 0.0))
            return DialResult("dialed", call)
    return NOTHING_DUE


def send_now(call: Call) -> None:
    """Create the call at Twilio from this process, right at the paced moment.

    The core also queued its own dispatch on commit; whichever runs second finds
    the call no longer `pending` and does nothing.
    """
    try:
        placing.dispatch_call(call.pk)
    except RetryLater as exc:
        enqueue_on_commit("dispatch_call", call.pk, countdown=exc.countdown)


class Lease:
    """One of the campaign's dialer loop slots, held while the loop runs."""

    def __init__(self, campaign_id: int, slot: int):
        self.campaign_id = campaign_id
        self.slot = slot
        self.holder = str(uuid.uuid4())
        self.renewed = 0.0

    def _mine_or_free(self, now: datetime) -> Q:
        return Q(holder=self.holder) | Q(expires_at__isnull=True) | Q(expires_at__lt=now)

    def take(self) -> bool:
        """True when this loop got (or renewed) the slot."""
        now = timezone.now()
        DialerLease.objects.get_or_create(campaign_id=self.campaign_id, slot=self.slot)
        taken = (
            DialerLease.objects.filter(campaign_id=self.campaign_id, slot=self.slot)
            .filter(self._mine_or_free(now))
            .update(holder=self.holder, expires_at=now + timedelta(seconds=LEASE_SECONDS))
        )
        self.renewed = time.monotonic()
        return bool(taken)

    def keep(self) -> bool:
        if time.monotonic() - self.renewed < LEASE_SECONDS / 3:
            return True
        return self.take()

    def release(self) -> None:
        DialerLease.objects.filter(
            campaign_id=self.campaign_id, slot=self.slot, holder=self.holder
        ).update(holder="", expires_at=None)


def run_loop(campaign_id: int, slot: int) -> bool:
    """Dial for up to LOOP_SECONDS; True when the campaign still has work for another loop."""
    lease = Lease(campaign_id, slot)
    if not lease.take():
        return False
    deadline = time.monotonic() + LOOP_SECONDS
    zones = contact_zones(campaign_id)
    more = False
    try:
        while time.monotonic() < deadline and lease.keep():
            campaign = Campaign.objects.get(pk=campaign_id)
            if campaign.state != CampaignState.RUNNING:
                return False
            if live_calls(campaign) >= campaign.max_concurrent_calls:
                time.sleep(IDLE_POLL_SECONDS)
                more = True
                continue
            wait = pacing.bucket().reserve(
                f"campaign-{campaign_id}",
                interval=1 / float(campaign.calls_per_second),
                max_wait=max(deadline - time.monotonic(), 0.0),
            )
            if wait is None:
                more = True
                break
            result = dial_next(campaign_id, zones, start_at=time.monotonic() + wait)
            if result.call is not None:
                send_now(result.call)
            more = result.kind in ("dialed", "at-capacity")
            if result.kind in ("stopped", "nothing-due"):
                break
    finally:
        lease.release()
    return more


def free_slots(campaign_id: int) -> list[int]:
    """Loop slots no running loop holds, for the tick to fill."""
    now = timezone.now()
    held = set(
        DialerLease.objects.filter(campaign_id=campaign_id, expires_at__gte=now).values_list(
            "slot", flat=True
        )
    )
    return [slot for slot in range(LOOPS_PER_CAMPAIGN) if slot not in held]


def has_due_contacts(campaign: Campaign, now: datetime) -> bool:
    zones = open_zones(campaign, contact_zones(campaign.pk), now)
    return campaign.contacts.filter(
        state=ContactState.WAITING, next_attempt_at__lte=now, time_zone__in=zones
    ).exists()


def resend_stuck_calls(campaign: Campaign, now: datetime) -> int:
    """Calls committed as `pending` whose dispatch message was lost with a killed worker."""
    stuck = list(
        Call.objects.filter(
            campaign_attempt__contact__campaign=campaign,
            status=CallStatus.PENDING,
            created_at__lt=now - timedelta(seconds=PENDING_RESEND_SECONDS),
        ).values_list("pk", flat=True)
    )
    for call_id in stuck:
        enqueue_on_commit("dispatch_call", call_id)
    return len(stuck)
