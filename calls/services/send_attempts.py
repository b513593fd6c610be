"""How one send attempt of queued work ends: redirects and conversation actions alike.

A send moves its row from `queued` to `sending` under the row lock, then asks
Twilio. The attempt's end moves the row out of `sending` once: `done`, `failed`
with Twilio's code and message, or back to `queued` for a retry. The row is
locked again for it and left as it is when it is no longer `sending`, so a
second delivery of the same task, or a cancel that came first, is never undone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from ..exceptions import RetryLater
from ..models import RedirectState

SEND_MAX_ATTEMPTS = 5

Row = TypeVar("Row", bound=Model)


def attempt_end(
    row: Row,
    state: str,
    code: int | None = None,
    message: str = "",
    changes: Mapping | None = None,
) -> Row:
    """End the attempt on `row` in `state`, `changes` set on its other fields; the row stored."""
    changes = changes or {}
    with transaction.atomic():
        current = type(row).objects.select_for_update().get(pk=row.pk)
        if current.state != RedirectState.SENDING:
            return current
        current.state = state
        current.error_code = code
        current.error_message = message[:500]
        for name, value in changes.items():
            setattr(current, name, value)
        if state != RedirectState.QUEUED:
            current.finished_at = timezone.now()
        current.save(
            update_fields=["state", "error_code", "error_message", "finished_at", *changes]
        )
    return current


def attempt_retry_or_fail(row: Row, code: int | None, message: str, countdown: float):
    """Queue `row` for another attempt in `countdown` seconds, or fail it after its last."""
    if row.attempts >= SEND_MAX_ATTEMPTS:
        return attempt_end(row, RedirectState.FAILED, code, message)
    attempt_end(row, RedirectState.QUEUED, code, message)
    raise RetryLater(countdown, message)
