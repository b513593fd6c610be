"""Celery tasks: thin wrappers over `calls.services`.

Workers run with acks_late and reject_on_worker_lost, so any task may run twice
or twice at once; every service it calls is guarded by its row's state under
`select_for_update`. A service raising RetryLater means "nothing changed for
good, come back later": the task is sent again after the countdown it asks.
The services count their own attempts, so Celery's retry limit is off.

Each task imports its service inside the function: the services import these
task objects at module level to hand work over once committed, never the
other way round at import.
"""

from __future__ import annotations

from celery import shared_task

from .exceptions import RetryLater


def run_retrying(task, service, *args):
    """Run a service for its task; a RetryLater becomes the task's retry after its countdown."""
    try:
        service(*args)
    except RetryLater as later:
        raise task.retry(countdown=later.countdown, exc=later) from later


@shared_task(bind=True, max_retries=None)
def dispatch_call(self, call_id: int) -> None:
    """Create a pending call at Twilio, once."""
    from . import services

    run_retrying(self, services.dispatch_call, call_id)


@shared_task(bind=True, max_retries=None)
def send_redirect(self, redirect_id: int) -> None:
    """Send a queued redirect (new Url/Twiml or Status) to Twilio."""
    from . import services

    run_retrying(self, services.send_redirect, redirect_id)


@shared_task(bind=True, max_retries=None)
def reconcile_call(self, call_id: int) -> None:
    """Fetch (or find by listing) one call at Twilio and repair its record."""
    from . import services

    run_retrying(self, services.reconcile_call, call_id)


@shared_task
def notify_machine_hangup(call_id: int) -> None:
    """Tell the user's URL that a machine answered and was hung up (seed 002)."""
    from . import services

    services.notify_machine_hangup(call_id)


@shared_task
def fire_due_redirects() -> int:
    """Beat, every second: claim scheduled redirects whose time has come."""
    from . import services

    return len(services.fire_due_redirects())


@shared_task
def reconcile_stale_calls() -> int:
    """Beat: look at calls that have sat in a live state too long without news."""
    from . import services

    return len(services.reconcile_stale_calls())
