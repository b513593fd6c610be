"""The row lock every service module shares."""

from __future__ import annotations

from ..models import Call


def locked_call(call_id: int) -> Call | None:
    """The call row, locked until the surrounding transaction ends."""
    return Call.objects.select_for_update().filter(pk=call_id).first()
