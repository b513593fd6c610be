"""Paced sending: a claimed campaign call leaves for Twilio through its send window.

The loop hands each call to one of this process's sending threads at its token.
That thread runs the core's dispatch; right before the create's request leaves,
the send window (`campaigns.pacing`) lets it through or makes it wait while the
setting's worth of creates still count, and the create leaves the window the
moment its answer is back. The window is the gate the gateway's create takes
(`calls.telephony.create_call`), entered right before the request leaves, so
the core's database work before and after the request does not count. A call
Twilio refused for a moment, or whose dispatch message was lost, is sent again
by a task that takes the same window.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from functools import partial

from django.db import connection, transaction

from calls.exceptions import RetryLater
from calls.services import placing
from calls.tasks import dispatch_call as dispatch_call_task

from .. import pacing
from ..tasks import send_paced as send_paced_task

logger = logging.getLogger(__name__)

# Creates in flight at once from one worker process.
SENDING_THREADS = 4
# While the create that stops counting first is still unanswered, the window is
# asked again this often (its answer may come any moment).
ADMIT_POLL_SECONDS = 0.01


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

    @contextmanager
    def gate(self) -> Iterator[None]:
        """Around the create's request: taken (the call is `dispatching` now, so the
        core's message may go), through the window at the token, and out of the
        window as soon as the answer (or failure) is back."""
        self.taken.set()
        ticket = self.go()
        try:
            yield
        finally:
            leave(self.key, ticket)


def admit(key: str, limit: int) -> str:
    """Wait until the send window lets one more create through; its ticket."""
    ticket = pacing.new_ticket()
    hold = pacing.hold_seconds()
    while (wait := pacing.window().admit(key, ticket, limit, hold)) > 0:
        time.sleep(wait if wait <= pacing.ANSWERED_COUNTS_SECONDS else ADMIT_POLL_SECONDS)
    return ticket


def leave(key: str, ticket: str) -> None:
    try:
        pacing.window().leave(key, ticket)
    except Exception:
        # It counts until its hold runs out: later creates wait, none goes early.
        logger.exception("Send window %s kept ticket %s", key, ticket)


def send_now(call_id: int, pace: Pace | None = None) -> None:
    """Create the call at Twilio from this process, right at the paced moment.

    The core also queues its own dispatch on commit; whichever runs second finds
    the call no longer `pending` and does nothing.
    """
    try:
        placing.dispatch_call(call_id, gate=None if pace is None else pace.gate())
    except RetryLater as exc:
        if pace is None:
            transaction.on_commit(
                partial(dispatch_call_task.apply_async, (call_id,), countdown=exc.countdown)
            )
        else:
            resend_paced(call_id, pace.key, pace.limit, countdown=exc.countdown)
    except Exception:
        # The call stays as the core left it; its reconciler takes it from there.
        logger.exception("Campaign call %s was not sent now", call_id)
    finally:
        if pace is not None:
            pace.taken.set()  # also when the call was not `pending`: the claimer goes on


def open_connection() -> None:
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
        wait([self.pool.submit(open_connection) for _ in range(count)])

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


def resend_paced(call_id: int, key: str, limit: int, countdown: float | None = None) -> None:
    """Send a campaign call again (Twilio refused it for a moment, or its dispatch
    message was lost) from a task that takes it through the send window, not
    the core's dispatch, which knows no window. Queued once committed."""
    transaction.on_commit(
        partial(send_paced_task.apply_async, (call_id, key, limit), countdown=countdown)
    )


def pacing_key(campaign_id: int) -> str:
    return f"campaign-{campaign_id}"
