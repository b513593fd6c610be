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

Pacing: the token is reserved inside the claim's transaction (no token in
time: the claim is undone). Once committed, the loop sleeps until the token and
hands the call to a sending thread (`sending`), so Twilio's answer time does
not hold up the next claim. The loop waits for the thread to take the call, at
which point it is no longer `pending`, before the core's own dispatch message
goes out: that message always finds the call taken and never creates it
outside the send window.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from calls.exceptions import RuleViolation
from calls.models import Call, Source
from calls.services import placing
from calls.urls_public import public_url

from .. import pacing
from ..models import Attempt, Campaign, CampaignState, Contact, ContactOutcome, ContactState
from ..windows import open_zones
from .dnc import blocking_entry
from .sending import Pace, pacing_key, send_now

logger = logging.getLogger(__name__)

# Loops dialing one campaign at once; each holds a lease, so at most this many.
MAX_LOOPS_PER_CAMPAIGN = 2
# Threads one loop claims from at once (on PostgreSQL; SQLite takes one writer).
CLAIMERS_PER_LOOP = 2
# Longest the loop waits for its sending thread to take the call before the
# core's dispatch message goes out anyway (a thread that slow may lose the call
# to that dispatch, which creates it without the window).
TAKE_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class DialResult:
    kind: str  # dialed, stopped, at-capacity, nothing-due, out-of-time
    call: Call | None = None


STOPPED = DialResult("stopped")
AT_CAPACITY = DialResult("at-capacity")
NOTHING_DUE = DialResult("nothing-due")
OUT_OF_TIME = DialResult("out-of-time")
NEAR_CAPACITY = DialResult("near-capacity")  # never returned: dial again under the exclusive lock


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


class _Undo(Exception):
    """Rolls the claim back: the contact waits and no call was ever saved."""

    def __init__(self, result: DialResult):
        super().__init__(result.kind)
        self.result = result


def _claim_and_place(campaign: Campaign, zones: list[str], now: datetime) -> Call | None:
    """Claim due contacts until one can be dialed; DNC and invalid ones end on the way."""
    open_now = open_zones(campaign, zones, now)
    while open_now:
        contact = _claim(campaign, open_now, now)
        if contact is None:
            return None
        if blocking_entry(contact.phone_number) is not None:
            _finish(contact, ContactOutcome.DNC)
            continue
        try:
            # place_call checks every rule before it writes: a refusal leaves nothing.
            return _place(campaign, contact)
        except RuleViolation as exc:
            logger.warning("Contact %s cannot be dialed: %s", contact.pk, exc.message)
            _finish(contact, ContactOutcome.FAILED)
    return None


class _PacedSend:
    """Sends the claimed call at its token, after the commit and before the core's
    own dispatch message goes out (on-commit callbacks run in the order they were
    registered, and this one is registered first)."""

    def __init__(self, send: Callable[[int, Pace], object]):
        self.send = send
        self.call_id: int | None = None
        self.pace: Pace | None = None

    def reserve(self, campaign: Campaign, call: Call, max_wait: float) -> None:
        key = pacing_key(campaign.pk)
        wait = pacing.bucket().reserve(
            key,
            interval=pacing.interval(campaign.calls_per_second),
            max_wait=max_wait,
        )
        if wait is None:
            raise _Undo(OUT_OF_TIME)
        self.call_id = call.pk
        self.pace = Pace(
            key, pacing.window_limit(campaign.calls_per_second), time.monotonic() + wait
        )

    def at_token(self) -> None:
        if self.call_id is not None and self.pace is not None:
            # At the token, not before: the call is `dispatching` from the moment
            # the thread takes it, and one whose worker dies in that state waits
            # for the reconciler (minutes) to learn it was never created.
            time.sleep(max(self.pace.start_at - time.monotonic(), 0.0))
            self.send(self.call_id, self.pace)
            self.pace.taken.wait(TAKE_WAIT_SECONDS)


def dial_next(
    campaign_id: int,
    zones: list[str],
    *,
    max_wait: float = 60.0,
    send: Callable[[int, Pace], object] | None = None,
) -> DialResult:
    """Claim one due contact in an open window, place its call and send it at its token.

    Under the campaign's row lock: a pause (`FOR UPDATE`) waits for the claims
    in flight and every later one sees `paused`. The lock is shared (`FOR
    SHARE`, on PostgreSQL) while the campaign has more free lines than it has
    claimers (loops and their threads), so they claim side by side; with fewer,
    it is exclusive (`FOR NO KEY UPDATE`) and live calls are counted under it,
    so two claimers cannot both take the last free line.
    """
    result = _dial_next(campaign_id, zones, max_wait, send or send_now, shared=True)
    if result is NEAR_CAPACITY:
        result = _dial_next(campaign_id, zones, max_wait, send or send_now, shared=False)
    return result


def _locked_campaign(campaign_id: int, *, shared: bool) -> Campaign:
    if shared and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {Campaign._meta.db_table} WHERE id = %s FOR SHARE", [campaign_id]
            )
        return Campaign.objects.get(pk=campaign_id)
    return Campaign.objects.select_for_update(no_key=True).get(pk=campaign_id)


def _dial_next(
    campaign_id: int,
    zones: list[str],
    max_wait: float,
    send: Callable[[int, Pace], object],
    *,
    shared: bool,
) -> DialResult:
    paced = _PacedSend(send)
    try:
        with transaction.atomic():
            transaction.on_commit(paced.at_token)
            campaign = _locked_campaign(campaign_id, shared=shared)
            now = timezone.now()
            if campaign.state != CampaignState.RUNNING or (
                campaign.ends_at and now >= campaign.ends_at
            ):
                return STOPPED
            live = live_calls(campaign)
            if live >= campaign.max_concurrent_calls:
                return AT_CAPACITY
            # Each other claimer may commit one more call before this one does.
            claimers = MAX_LOOPS_PER_CAMPAIGN * claimers_per_loop()
            if shared and live + claimers > campaign.max_concurrent_calls:
                return NEAR_CAPACITY
            call = _claim_and_place(campaign, zones, now)
            if call is None:
                return NOTHING_DUE
            paced.reserve(campaign, call, max_wait)
            return DialResult("dialed", call)
    except _Undo as undo:
        return undo.result


def claimers_per_loop() -> int:
    return CLAIMERS_PER_LOOP if connection.vendor == "postgresql" else 1
