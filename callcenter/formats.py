"""How durations and moments are written everywhere in the product.

A supervisor reads the same call on the changelists, the call's page, the
timeline and the board: one way of writing "how long" and "when" makes them
comparable at a glance. Templates use the same functions through the
`formats` template tags.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

NOTHING = "—"


def duration(seconds: float | None) -> str:
    """Whole seconds as a clock: "0:07", "1:05", "1:02:03"; "—" when unknown."""
    if seconds is None:
        return NOTHING
    minutes, second = divmod(max(int(seconds), 0), 60)
    hours, minute = divmod(minutes, 60)
    if hours:
        return f"{hours}:{minute:02d}:{second:02d}"
    return f"{minute}:{second:02d}"


def moment(value: dt.datetime | None) -> str:
    """A moment in the local time zone: "30 Nov 14:05", with the year when not this one."""
    if value is None:
        return NOTHING
    local = timezone.localtime(value)
    if local.year != timezone.localdate().year:
        return f"{local.day} {local:%b %Y %H:%M}"
    return f"{local.day} {local:%b %H:%M}"


def clock(value: dt.datetime | None) -> str:
    """The local time of day to the second, "14:05:07": moments within one call."""
    if value is None:
        return NOTHING
    return f"{timezone.localtime(value):%H:%M:%S}"
