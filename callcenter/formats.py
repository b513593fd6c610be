"""How durations, moments and counts are written everywhere in the product.

A supervisor reads the same call on the changelists, the call's page, the
timeline, the board and the campaign pages: one way of writing "how long" and
"when" makes them comparable at a glance. A moment is "30 Nov 14:05"; its time
alone, "14:05", says when something happened today (the board's messages);
`clock` adds the seconds where they tell moments apart (within one call, the
board's refreshes). Templates use the same functions through the `formats`
template tags.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

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


def moment(value: dt.datetime | None, zone: str = "") -> str:
    """A moment in the back office's time zone (or in `zone`, a contact's): "30 Nov
    14:05", with the year when not this one."""
    if value is None:
        return NOTHING
    local = timezone.localtime(value, ZoneInfo(zone) if zone else None)
    if local.year != timezone.localdate(timezone=local.tzinfo).year:
        return f"{local.day} {local:%b %Y %H:%M}"
    return f"{local.day} {local:%b %H:%M}"


def time_of_day(value: dt.datetime) -> str:
    """A moment of today by its time alone, as `moment` writes it: "14:05"."""
    return f"{timezone.localtime(value):%H:%M}"


def clock(value: dt.datetime | None) -> str:
    """The local time of day to the second, "14:05:07": moments within one call."""
    if value is None:
        return NOTHING
    return f"{timezone.localtime(value):%H:%M:%S}"


def counted(count: int, singular: str, plural: str = "") -> str:
    """A count with its noun, plural-aware: "1 contact", "2 contacts", "3 entries"."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"
