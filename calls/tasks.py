"""Celery tasks: thin wrappers over `calls.services`.

Workers run with acks_late and reject_on_worker_lost, so any task may run twice
or twice at once; every service it calls is guarded by its row's state under
`select_for_update`. A service raising RetryLater means "nothing changed for
good, come back later": the task is sent again after the countdown it asks.
The services count their own attempts, so Celery's retry limit is off.
"""

from __future__ import annotations

from celery import shared_task

from . import services
from .services.common import RetryLater


def _retrying(task, service, *args):
    try:
        service(*args)
    except RetryLater as later:
        raise task.retry(countdown=later.countdown, exc=later) from later


@shared_task(bind=True, max_retries=None)
def dispatch_call(self, call_id: int) -> None:
    """Create a pending call at Twilio, once."""
    _retrying(self, services.dispatch_call, call_id)


@shared_task(bind=True, max_retries=None)
def send_redirect(self, redirect_id: int) -> None:
    """Send a queued redirect (new Url/Twiml or Status) to Twilio."""
    _retrying(self, services.send_redirect, redirect_id)


@shared_task(bind=True, max_retries=None)
def reconcile_call(self, call_id: int) -> None:
    """Fetch (or find by listing) one call at Twilio and repair its record."""
    _retrying(self, services.reconcile_call, call_id)


@shared_task
def fire_due_redirects() -> int:
    """Beat, every second: claim scheduled redirects whose time has come."""
    return len(services.fire_due_redirects())


@shared_task
def reconcile_stale_calls() -> int:
    """Beat: look at calls that have sat in a live state too long without news."""
    return len(services.reconcile_stale_calls())
