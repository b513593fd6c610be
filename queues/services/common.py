"""Pieces the queue services share: the entry row lock and the distributor's nudge."""

from __future__ import annotations

from django.db import transaction

from ..models import QueueEntry
from ..tasks import work_queues


def locked_entry(entry_id: int) -> QueueEntry:
    """The entry with its call and queue, its own row locked until the transaction ends.

    Only the entry's row: the call and queue rows stay free for their own writers.
    """
    return (
        QueueEntry.objects.select_for_update(of=("self",))
        .select_related("call", "queue")
        .get(pk=entry_id)
    )


def work_queues_after_commit() -> None:
    """Let the distributor look now rather than at its next beat.

    Sent once the change commits, so the worker sees the agent or caller it
    was nudged about; a rolled-back change sends nothing.
    """
    transaction.on_commit(work_queues.delay)
