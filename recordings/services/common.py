"""What the recordings' services share."""

from __future__ import annotations

from django.db import transaction

from calls.exceptions import RuleViolation

from ..models import RECORDING_STATUS_RANK, Recording


def locked_recording(recording_id: int) -> Recording:
    return (
        Recording.objects.select_for_update(of=("self",))
        .select_related("call")
        .get(pk=recording_id)
    )


def refuse(message: str, code: str, field: str | None = None) -> RuleViolation:
    return RuleViolation(message, code=code, field=field)


def after_commit(task, *args) -> None:
    """Hand `task` over once the change that asked for it has committed."""
    transaction.on_commit(lambda: task.delay(*args))


def moves_forward(current: str, reported: str) -> bool:
    """Whether `reported` is further on in a recording's life than `current`."""
    return RECORDING_STATUS_RANK.get(reported, -1) > RECORDING_STATUS_RANK.get(current, -1)
