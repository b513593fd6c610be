"""The dialer loops: each campaign's loops, one lease per slot, claiming and
sending for a few seconds at a time, and what the beat tick asks of them (free
slots, due contacts, calls whose dispatch was lost)."""

from __future__ import annotations

import functools
import math
import os
import random
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from calls import telephony
from calls.models import Call, CallStatus

from .. import pacing
from ..models import Campaign, ContactState, DialerLease
from ..windows import open_zones
from .dialer import AT_CAPACITY, MAX_LOOPS_PER_CAMPAIGN, claimers_per_loop, contact_zones, dial_next
from .sending import open_connection, pacing_key, resend_paced, senders_of

# How long one dialer loop runs before it hands its worker back to other tasks
# (the core's dispatch messages, no-ops for calls the dialer sent itself, wait
# behind it); each loop's length is drawn around it so a campaign's loops never
# all end, and leave the line idle while they restart, at the same moment.
LOOP_SECONDS = 10.0
# One loop claims some tens of contacts a second; a second one (and a second
# worker process) is only taken by campaigns paced faster than that.
CALLS_PER_SECOND_PER_LOOP = 25
LEASE_SECONDS = 6.0
# Poll interval while every line is busy or before the next retry falls due.
IDLE_POLL_SECONDS = 0.05
# A call saved but still `pending` after this long lost its dispatch message.
PENDING_RESEND_SECONDS = 20


@functools.cache
def claimers_of(pid: int) -> ThreadPoolExecutor:
    """The threads a loop claims from, each with its own database connection."""
    count = claimers_per_loop()
    pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="campaign-claim")
    wait([pool.submit(open_connection) for _ in range(count)])
    return pool


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
    """Dial for up to LOOP_SECONDS; True when the campaign still has work for another loop.

    The loop claims from `claimers_per_loop()` threads at once: each waits after its
    token for its call to be taken, and meanwhile another claims the next one,
    so the next token is reserved before it is due (a token reserved late is
    never made up).
    """
    lease = Lease(campaign_id, slot)
    if not lease.take():
        return False
    # The client loads its Calls API on first use, and the sending threads open
    # their connections (tens of milliseconds): now, not on a paced create.
    telephony.client().calls  # noqa: B018
    senders = senders_of(os.getpid())
    deadline = time.monotonic() + LOOP_SECONDS * random.uniform(0.75, 1.25)
    zones = contact_zones(campaign_id)
    done = threading.Event()
    sending: list[Future] = []

    def claim() -> bool:
        more = False
        while not done.is_set() and time.monotonic() < deadline and lease.keep():
            senders.book()
            # A token further off than a loop's length is left to a later loop.
            result = dial_next(
                campaign_id,
                zones,
                max_wait=LOOP_SECONDS,
                send=lambda call_id, pace: sending.append(senders.send(call_id, pace)),
            )
            if result.kind != "dialed":
                senders.unbook()
            more = result.kind in ("dialed", AT_CAPACITY.kind)
            if result.kind == AT_CAPACITY.kind:
                time.sleep(IDLE_POLL_SECONDS)
            elif result.kind != "dialed":
                done.set()
        return more

    pool = claimers_of(os.getpid())
    claimers = [pool.submit(claim) for _ in range(claimers_per_loop())]
    try:
        return all(claimer.result() for claimer in claimers)
    finally:
        done.set()  # one claimer failed: the others stop too, before the lease goes
        wait(claimers)
        wait(sending)
        lease.release()


def loops_for(campaign: Campaign) -> int:
    wanted = math.ceil(float(campaign.calls_per_second) / CALLS_PER_SECOND_PER_LOOP)
    return min(max(wanted, 1), MAX_LOOPS_PER_CAMPAIGN)


def free_slots(campaign: Campaign) -> list[int]:
    """Loop slots no running loop holds, for the tick to fill."""
    now = timezone.now()
    held = set(
        DialerLease.objects.filter(campaign=campaign, expires_at__gte=now).values_list(
            "slot", flat=True
        )
    )
    return [slot for slot in range(loops_for(campaign)) if slot not in held]


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
    limit = pacing.window_limit(campaign.calls_per_second)
    for call_id in stuck:
        resend_paced(call_id, pacing_key(campaign.pk), limit)
    return len(stuck)
