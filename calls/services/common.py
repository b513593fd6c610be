"""Pieces every service module shares: row locks, task hand-off, retry signal."""

from __future__ import annotations

from django.db import transaction

from ..models import Call


class RetryLater(Exception):
    """Nothing changed for good; the task should run again after `countdown` seconds."""

    def __init__(self, countdown: float, reason: str = ""):
        super().__init__(reason or f"retry in {countdown}s")
        self.countdown = countdown


def enqueue_on_commit(task_name: str, *args, countdown: float | None = None) -> None:
    """Queue a `calls.tasks` task once the current transaction has committed.

    Imported late: tasks are thin wrappers over these services.
    """

    def send():
        from .. import tasks

        getattr(tasks, task_name).apply_async(args, countdown=countdown)

    transaction.on_commit(send)


def locked_call(call_id: int) -> Call | None:
    """The call row, locked until the surrounding transaction ends."""
    return Call.objects.select_for_update().filter(pk=call_id).first()
