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
hands the call to a sending thread, so Twilio's answer time does not hold up
the next claim. That thread runs the core's dispatch; right before the create's
request leaves, the send window (`campaigns.pacing`) lets it through or makes
it wait while the setting's worth of creates still count, and the create
leaves the window the moment its answer is back. The window is entered in the
Twilio client's transport (a requests adapter wrapping the client's own), so
the core's database work before and after the request does not count. The
loop waits for the thread to reach that point, where the call is no longer
`pending`, before the core's own dispatch message goes out: that message
always finds the call taken and never creates it outside the window.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from requests.adapters import BaseAdapter

from calls import telephony
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

# How long one dialer loop runs before it hands its worker back to other tasks
# (the core's dispatch messages, no-ops for calls the dialer sent itself, wait
# behind it); each loop's length is drawn around it so a campaign's loops never
# all end, and leave the line idle while they restart, at the same moment.
LOOP_SECONDS = 10.0
# Loops dialing one campaign at once; each holds a lease, so at most this many.
# One loop claims some tens of contacts a second; a second one (and a second
# worker process) is only taken by campaigns paced faster than that.
MAX_LOOPS_PER_CAMPAIGN = 2
CALLS_PER_SECOND_PER_LOOP = 25
LEASE_SECONDS = 6.0
# Poll interval while every line is busy or before the next retry falls due.
IDLE_POLL_SECONDS = 0.05
# Threads one loop claims from at once (on PostgreSQL; SQLite takes one writer).
CLAIMERS_PER_LOOP = 2
# Creates in flight at once from one worker process.
SENDING_THREADS = 4
# A call saved but still `pending` after this long lost its dispatch message.
PENDING_RESEND_SECONDS = 20
# While the create that stops counting first is still unanswered, the window is
# asked again this often (its answer may come any moment).
ADMIT_POLL_SECONDS = 0.01
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


class Pace:
    """One campaign call on its way: the window it must pass, and whether its
    sending thread has taken it (or given up on it)."""

    def __init__(self, key: str, limit: int, start_at: float):
        self.key = key
        self.limit = limit
        self.start_at = start_at  # the token, on time.monotonic()
        self.taken = threading.Event()

    def go(self) -> str:
        """At the token, through the send window: the ticket to leave it with."""
        time.sleep(max(self.start_at - time.monotonic(), 0.0))
        return admit(self.key, self.limit)


def admit(key: str, limit: int) -> str:
    """Wait until the send window lets one more create through; its ticket."""
    ticket = pacing.new_ticket()
    hold = pacing.hold_seconds()
    answered_counts_for = pacing.WINDOW_SECONDS + pacing.WINDOW_GUARD_SECONDS
    while (wait := pacing.window().admit(key, ticket, limit, hold)) > 0:
        time.sleep(wait if wait <= answered_counts_for else ADMIT_POLL_SECONDS)
    return ticket


def leave(key: str, ticket: str) -> None:
    try:
        pacing.window().leave(key, ticket)
    except Exception:
        # It counts until its hold runs out: later creates wait, none goes early.
        logger.exception("Send window %s kept ticket %s", key, ticket)


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


_sending = threading.local()


def _is_create(request) -> bool:
    return request.method == "POST" and urlsplit(request.url).path.endswith("/Calls.json")


class PacedTransport(BaseAdapter):
    """Wraps the Twilio client's transport: a create sent by a thread carrying a
    campaign call's `Pace` passes the send window right before its request
    leaves, and leaves the window as soon as its answer (or failure) is back."""

    def __init__(self, inner: BaseAdapter):
        super().__init__()
        self.inner = inner

    def send(self, request, *args, **kwargs):
        pace = getattr(_sending, "pace", None)
        if pace is None or not _is_create(request):
            return self.inner.send(request, *args, **kwargs)
        pace.taken.set()  # the call is `dispatching` now: the core's message may go
        ticket = pace.go()
        try:
            return self.inner.send(request, *args, **kwargs)
        finally:
            leave(pace.key, ticket)

    def close(self) -> None:
        self.inner.close()


def paced_transport() -> bool:
    """Wrap this process's Twilio client's transports once; False when it has none
    to wrap (no connection pool): creates then pass the window before dispatch."""
    session = getattr(telephony.client().http_client, "session", None)
    if session is None:
        return False
    for prefix, adapter in list(session.adapters.items()):
        if not isinstance(adapter, PacedTransport):
            session.mount(prefix, PacedTransport(adapter))
    return True


def send_now(call_id: int, pace: Pace | None = None) -> None:
    """Create the call at Twilio from this process, right at the paced moment.

    The core also queues its own dispatch on commit; whichever runs second finds
    the call no longer `pending` and does nothing.
    """
    ticket = None
    if pace is not None and not paced_transport():
        ticket = pace.go()
    _sending.pace = pace if ticket is None else None
    try:
        placing.dispatch_call(call_id)
    except RetryLater as exc:
        if pace is None:
            enqueue_on_commit("dispatch_call", call_id, countdown=exc.countdown)
        else:
            resend_paced(call_id, pace.key, pace.limit, countdown=exc.countdown)
    except Exception:
        # The call stays as the core left it; its reconciler takes it from there.
        logger.exception("Campaign call %s was not sent now", call_id)
    finally:
        _sending.pace = None
        if ticket is not None:
            leave(pace.key, ticket)
        if pace is not None:
            pace.taken.set()


def _open_connection() -> None:
    connection.ensure_connection()  # this thread's own connection


class Senders:
    """This process's sending threads.

    A create waits on Twilio for tens to hundreds of milliseconds; sending from
    threads lets the loop claim the next contact meanwhile, so the pace does not
    depend on Twilio's answer time. A thread is booked before the claim, so a
    call never queues for one after its token: queued calls would leave late
    and together, more than the setting in one second. Each thread keeps its
    own database connection, opened here rather than on a paced send.
    """

    def __init__(self, count: int):
        self.pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="campaign-send")
        self.free = threading.BoundedSemaphore(count)
        wait([self.pool.submit(_open_connection) for _ in range(count)])

    def book(self) -> None:
        self.free.acquire()

    def unbook(self) -> None:
        self.free.release()

    def send(self, call_id: int, pace: Pace) -> Future:
        return self.pool.submit(self._send, call_id, pace)

    def _send(self, call_id: int, pace: Pace) -> None:
        try:
            send_now(call_id, pace)
        finally:
            self.free.release()


@functools.cache
def senders_of(pid: int) -> Senders:
    """Made in the process that uses them (after the worker forked): keyed by pid."""
    return Senders(SENDING_THREADS)


def claimers_per_loop() -> int:
    return CLAIMERS_PER_LOOP if connection.vendor == "postgresql" else 1


@functools.cache
def claimers_of(pid: int) -> ThreadPoolExecutor:
    """The threads a loop claims from, each with its own database connection."""
    count = claimers_per_loop()
    pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="campaign-claim")
    wait([pool.submit(_open_connection) for _ in range(count)])
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
    paced_transport()
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


def resend_paced(call_id: int, key: str, limit: int, countdown: float | None = None) -> None:
    """Send a campaign call again (Twilio refused it for a moment, or its dispatch
    message was lost) from a task that takes it through the send window, not
    the core's dispatch, which knows no window. Queued once committed."""

    def queue():
        from .. import tasks

        tasks.send_paced.apply_async((call_id, key, limit), countdown=countdown)

    transaction.on_commit(queue)


def pacing_key(campaign_id: int) -> str:
    return f"campaign-{campaign_id}"
