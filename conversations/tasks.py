"""Celery tasks: thin wrappers over `conversations.services` (imported inside each).

Like `calls.tasks`, a task may run twice: the services guard each action's
row with its state under `select_for_update`.
"""

from __future__ import annotations

from celery import shared_task

from calls.exceptions import RetryLater


@shared_task(bind=True, max_retries=None)
def send_action(self, action_id: int) -> None:
    """Perform a queued action on a live conversation through Twilio."""
    from . import services

    try:
        services.action_send(action_id)
    except RetryLater as later:
        raise self.retry(countdown=later.countdown, exc=later) from later


@shared_task
def fire_due_actions() -> int:
    """Beat, every half second: claim the scheduled actions whose time has come."""
    from . import services

    return len(services.actions_fire_due())
