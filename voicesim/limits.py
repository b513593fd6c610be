"""The account's rate and size limits, as options (off by default).

``calls_per_second``: Twilio dials an account's API calls at its CPS; a create
over the rate is accepted, waits ``queued`` for its turn and shows the wait as
``queue_time`` (milliseconds). ``max_concurrent``: a call dialed while the
account already has that many live outbound calls fails at once with 10004,
as Twilio rejects calls over the concurrency limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Limits:
    calls_per_second: float = 0.0
    max_concurrent: int = 0
    #: the simulated second at which the next call may be dialed
    _next_slot: float = 0.0

    def queue_wait(self, created: float) -> float:
        """Simulated seconds a call created at ``created`` waits for its turn to be dialed.

        Counted from the creation moment, the one ``queue_time`` is read against, so
        the turns stay 1/CPS apart however late the call's flow starts.
        """
        if self.calls_per_second <= 0:
            return 0.0
        slot = max(created, self._next_slot)
        self._next_slot = slot + 1 / self.calls_per_second
        return slot - created

    def to_dict(self) -> dict[str, Any]:
        return {"calls_per_second": self.calls_per_second, "max_concurrent": self.max_concurrent}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Limits:
        unknown = set(data) - {"calls_per_second", "max_concurrent"}
        if unknown:
            raise ValueError(f"unknown limits: {', '.join(sorted(unknown))}")
        limits = cls(float(data.get("calls_per_second", 0)), int(data.get("max_concurrent", 0)))
        if limits.calls_per_second < 0 or limits.max_concurrent < 0:
            raise ValueError("limits are 0 (none) or positive")
        return limits
