"""Claiming queued work from the database for any number of claimers at once.

Scheduled redirects and conversation actions wait as rows (never as far-future
broker ETAs) until a beat task claims those whose time has come; stuck
redirects are claimed again by the reconciler. Each claimer may run beside
another (two beat ticks, a redelivered task), so the rows are locked with
`SKIP LOCKED`: a claimer passes over rows another has locked instead of
waiting for them, and no row is claimed twice. The send tasks are handed over
with `transaction.on_commit`, so a worker never reads a row before its claim
is committed, and a rolled-back claim sends nothing.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import transaction
from django.db.models import QuerySet

from ..models import RedirectState


def claim(rows: QuerySet, *, batch: int, send_task) -> list[int]:
    """Move up to `batch` of `rows` to `queued`; `send_task` gets each one's id after commit.

    `rows` is ordered by the caller when the order matters; returns the ids claimed.
    """
    with transaction.atomic():
        locked = rows.select_for_update(skip_locked=True)
        claimed = list(locked.values_list("pk", flat=True)[:batch])
        rows.model.objects.filter(pk__in=claimed).update(state=RedirectState.QUEUED)
        for pk in claimed:
            transaction.on_commit(partial(send_task.delay, pk))
    return claimed


def claim_due(rows: QuerySet, *, now: dt.datetime, batch: int, send_task) -> list[int]:
    """Claim the scheduled `rows` due by `now`, the longest waiting first (see `claim`)."""
    due = rows.filter(state=RedirectState.SCHEDULED, due_at__lte=now).order_by("due_at")
    return claim(due, batch=batch, send_task=send_task)
