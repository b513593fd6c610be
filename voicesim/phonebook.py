"""Who (or what) answers at the far end of each number.

A simulator is only useful if the far end can be a human, a voicemail, a fax,
a busy line… on demand. The phonebook decides per number: exact entries first
(set from a file or at run time through ``PUT /sim/phonebook/{number}``), then
file patterns, then the built-in rules documented in ``voicesim/README.md`` so
the demo works without any setup.
"""

from __future__ import annotations

import json
import re
import threading
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

KINDS = ("human", "machine", "fax", "busy", "no-answer", "failed")


@dataclass(frozen=True)
class Behaviour:
    """How the far end of one number behaves, in simulated seconds."""

    kind: str = "human"
    #: seconds of ringing before it picks up (human, machine, fax)
    answer_after: float = 1.0
    #: seconds after the answer at which the far end hangs up by itself
    talk_for: float = 600.0
    #: keys pressed at the 1st, 2nd, … <Gather> (none: never presses)
    digits: tuple[str, ...] = ()
    #: seconds after a <Gather> starts before the keys are pressed
    press_after: float = 1.0
    #: answering machine greeting length before the beep
    greeting: float = 5.0
    beep: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Behaviour:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known - {"match", "number"}
        if unknown:
            raise ValueError(f"unknown phonebook keys: {', '.join(sorted(unknown))}")
        values = {k: v for k, v in data.items() if k in known}
        digits = values.get("digits", ())
        if isinstance(digits, str):
            digits = (digits,)
        values["digits"] = tuple(str(d) for d in digits)
        for key in ("answer_after", "talk_for", "press_after", "greeting"):
            if key in values:
                values[key] = float(values[key])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["digits"] = list(self.digits)
        return data


#: The rules used when no entry matches: reserved ``+1555000`` ranges pick an
#: outcome by the digit after the prefix; every other number is a human.
DEFAULT_RULES: tuple[tuple[str, Behaviour], ...] = (
    (r"^\+15550001\d{3}$", Behaviour(kind="busy")),
    (r"^\+15550002\d{3}$", Behaviour(kind="no-answer")),
    (r"^\+15550003\d{3}$", Behaviour(kind="machine", answer_after=2.0, greeting=5.0)),
    (r"^\+15550004\d{3}$", Behaviour(kind="fax", answer_after=1.0, talk_for=30.0)),
    (r"^\+15550005\d{3}$", Behaviour(kind="failed")),
    (r"^\+15550006\d{3}$", Behaviour(kind="human", digits=("1", "1", "1", "1"))),
    (r"^\+15550007\d{3}$", Behaviour(kind="human", talk_for=5.0)),
)
DEFAULT_HUMAN = Behaviour()


@dataclass
class Phonebook:
    """Exact numbers, then regex patterns, then the built-in rules."""

    numbers: dict[str, Behaviour] = field(default_factory=dict)
    patterns: list[tuple[re.Pattern[str], Behaviour]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def lookup(self, number: str) -> Behaviour:
        with self._lock:
            if number in self.numbers:
                return self.numbers[number]
            patterns = list(self.patterns)
        for pattern, behaviour in patterns:
            if pattern.search(number):
                return behaviour
        for regex, behaviour in DEFAULT_RULES:
            if re.search(regex, number):
                return behaviour
        return DEFAULT_HUMAN

    def set(self, number: str, behaviour: Behaviour) -> None:
        with self._lock:
            self.numbers[number] = behaviour

    @classmethod
    def load(cls, path: str | Path | None) -> Phonebook:
        """Read a JSON or TOML file: ``numbers`` (table) and ``patterns`` (list with ``match``)."""
        book = cls()
        if path is None:
            return book
        path = Path(path)
        raw = path.read_bytes()
        is_toml = path.suffix.lower() == ".toml"
        data = tomllib.loads(raw.decode()) if is_toml else json.loads(raw)
        from voicesim.numbers import to_e164

        for number, spec in (data.get("numbers") or {}).items():
            book.numbers[to_e164(number) or number] = Behaviour.from_dict(spec)
        for spec in data.get("patterns") or []:
            book.patterns.append((re.compile(spec["match"]), Behaviour.from_dict(spec)))
        return book
