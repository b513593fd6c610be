"""Simulated time.

Call flows are full of waits (ring timeouts, greetings, hold music) that would
make tests crawl at real speed. ``SimClock`` turns simulated seconds into real
ones by a constant factor so every wait shrinks while the *order* of events
stays what it would be at speed 1. Wall-clock dates (``date_created``…) stay
real so they agree with the clocks of the processes that read them; durations
are reported in simulated seconds.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from email.utils import format_datetime


class SimClock:
    """Maps simulated seconds onto real seconds with a speed factor."""

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._mono0 = time.monotonic()

    def now(self) -> float:
        """Simulated seconds since the simulator started (monotonic)."""
        return (time.monotonic() - self._mono0) * self.speed

    def real_seconds(self, sim_seconds: float) -> float:
        return max(0.0, sim_seconds) / self.speed

    async def sleep(self, sim_seconds: float) -> None:
        await asyncio.sleep(self.real_seconds(sim_seconds))


def utcnow() -> datetime:
    return datetime.now(UTC)


def rfc2822(moment: datetime | None) -> str | None:
    """Twilio's date format: ``Tue, 31 Aug 2010 20:36:28 +0000``."""
    if moment is None:
        return None
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))
