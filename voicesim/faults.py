"""Fault injection: Twilio's bad days, on demand, off by default.

Each fault imitates something a back office meets on real Twilio and must
survive; they are switched on with ``--fault`` flags or ``PUT /sim/faults``.
A share (0 to 1) decides how often a fault strikes, drawn from a seeded
random generator so a run can be repeated; a share of 1 strikes every time.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, fields
from typing import Any

#: each fault and what it imitates (the README lists the same)
FAULTS = {
    "duplicate_callbacks": "every status callback is delivered twice (Twilio retries)",
    "reordered_callbacks": "a call's status callbacks arrive in swapped pairs",
    "update_21220_after_answer": "the first update of a call right after it is answered "
    "fails with 21220 (the call is not yet ready to redirect)",
    "webhook_timeout": "the TwiML request times out after Twilio's 15 s (11205), "
    "then the FallbackUrl is tried",
    "create_429": "a share of Calls creates answer 429 with code 20429",
    "api_5xx": "a share of REST requests answer 500 with code 20500",
}


@dataclass
class Faults:
    """The switched-on faults: booleans, and shares for the two that strike by chance."""

    duplicate_callbacks: bool = False
    reordered_callbacks: bool = False
    update_21220_after_answer: bool = False
    webhook_timeout: bool = False
    create_429: float = 0.0
    api_5xx: float = 0.0
    seed: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        self._random.seed(self.seed)

    def strikes(self, share: float) -> bool:
        return share > 0 and self._random.random() < share

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Faults:
        """Faults from JSON or ``--fault name[=value]`` pairs; unknown names are refused."""
        known = {f.name: f.type for f in fields(cls) if not f.name.startswith("_")}
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"unknown faults: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, raw in data.items():
            default = getattr(cls, name)
            if isinstance(default, bool):
                values[name] = raw if isinstance(raw, bool) else str(raw).lower() == "true"
            elif isinstance(default, float):
                values[name] = 1.0 if raw in (True, "true") else float(raw)
                if not 0 <= values[name] <= 1:
                    raise ValueError(f"{name} is a share from 0 to 1, not {raw}")
            else:
                values[name] = int(raw)
        return cls(**values)

    @classmethod
    def from_flags(cls, flags: list[str]) -> Faults:
        """``["duplicate_callbacks", "create_429=0.5"]``: a bare name switches it on."""
        pairs = dict(flag.partition("=")[::2] for flag in flags)
        return cls.from_dict({k: (v if v else "true") for k, v in pairs.items()})
