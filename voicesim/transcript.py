"""What happened on a call, in order, for tests, demos and the admin.

Each entry carries the simulated second since the call was created (so tests
can reason about ordering and durations at any ``--speed``) and the real wall
time (so it can be lined up against other processes' logs).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


class Transcript:
    """An append-only list of time-stamped entries of one call."""

    def __init__(self, clock_now: Any, origin: float) -> None:
        self._now = clock_now
        self._origin = origin
        self.entries: list[dict[str, Any]] = []

    def add(self, event: str, **data: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "seq": len(self.entries),
            "t": round(self._now() - self._origin, 3),
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "event": event,
        }
        entry.update({k: v for k, v in data.items() if v is not None})
        self.entries.append(entry)
        return entry
