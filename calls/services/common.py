"""The row lock every service module shares, and withdrawing what waits for its time."""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone

from ..exceptions import RuleViolation
from ..models import Call, RedirectState


def locked_call(call_id: int) -> Call | None:
    """The call row, locked until the surrounding transaction ends."""
    return Call.objects.select_for_update().filter(pk=call_id).first()


def cancel_scheduled(row: models.Model, *, noun: str, requested_by=None) -> models.Model:
    """Withdraw a row (a redirect, a conversation's action) still waiting for its time.

    Any other state is refused: what is queued or sent can no longer be taken back.
    """
    with transaction.atomic():
        current = type(row).objects.select_for_update().get(pk=row.pk)
        if current.state != RedirectState.SCHEDULED:
            raise RuleViolation(
                f"Only a scheduled {noun} can be canceled; this one is {current.state}.",
                field="state",
                code="not_scheduled",
            )
        current.state = RedirectState.CANCELED
        current.finished_at = timezone.now()
        who = f" by {requested_by}" if requested_by is not None else ""
        current.error_message = f"Canceled{who} before it was due."
        current.save(update_fields=["state", "finished_at", "error_message"])
    return current
