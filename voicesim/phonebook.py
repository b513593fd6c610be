"""Who (or what) answers at the far end of each number.

A simulator is only useful if the far end can be a human, a voicemail, a fax,
a busy line… on demand. The phonebook decides per number: exact entries first
(set from a file or at run time through ``PUT /sim/phonebook/{number}``), then
file patterns, then the built-in rules documented in the README (section "voicesim") so
the demo works without any setup.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from voicesim.numbers import to_e164
from voicesim.places import Place

KINDS = ("human", "machine", "fax", "busy", "no-answer", "failed")


@dataclass(frozen=True)
class Behaviour:
    """How the far end of one number behaves, in simulated seconds."""

    kind: str = "human"
    #: seconds of ringing before it picks up (human, machine, fax)
    answer_after: float = 1.0
    #: seconds after the answer at which the far end hangs up by itself
    talk_for: float = 600.0
    #: keys pressed at the 1st, 2nd, … <Gather>; the last entry goes on for later
    #: ones ("" presses nothing; no entry: never presses)
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


#: The rules used when no entry matches: the reserved ``+1555000N`` ranges pick a
#: far end by the digit N; every other number is a human. A rule whose pattern
#: has a ``digits`` group presses the digits it matched at every ``<Gather>``.
DEFAULT_RULES: tuple[tuple[re.Pattern[str], Behaviour], ...] = tuple(
    (re.compile(pattern), behaviour)
    for pattern, behaviour in (
        (r"^\+15550001\d{3}$", Behaviour(kind="busy")),
        (r"^\+15550002\d{3}$", Behaviour(kind="no-answer")),
        (r"^\+15550003\d{3}$", Behaviour(kind="machine", answer_after=2.0, greeting=5.0)),
        (r"^\+15550004\d{3}$", Behaviour(kind="fax", answer_after=1.0, talk_for=30.0)),
        (r"^\+15550005\d{3}$", Behaviour(kind="failed")),
        (r"^\+15550006(?P<digits>\d{3})$", Behaviour(kind="human")),
        (r"^\+15550007\d{3}$", Behaviour(kind="human", talk_for=5.0)),
        (r"^\+15550008\d{3}$", Behaviour(kind="machine", greeting=5.0, beep=False)),
    )
)
DEFAULT_HUMAN = Behaviour()


@dataclass
class Phonebook:
    """Exact numbers, then regex patterns, then the built-in rules; and where
    numbers are (``places``: the webhooks' ``FromCity``…)."""

    numbers: dict[str, Behaviour] = field(default_factory=dict)
    patterns: list[tuple[re.Pattern[str], Behaviour]] = field(default_factory=list)
    places: dict[str, Place] = field(default_factory=dict)

    def lookup(self, number: str) -> Behaviour:
        if number in self.numbers:
            return self.numbers[number]
        for pattern, behaviour in (*self.patterns, *DEFAULT_RULES):
            match = pattern.search(number)
            if match:
                return _with_matched_digits(behaviour, match)
        return DEFAULT_HUMAN

    def set(self, number: str, behaviour: Behaviour) -> None:
        self.numbers[number] = behaviour

    @classmethod
    def load(cls, path: str | Path | None) -> Phonebook:
        """Read a JSON or TOML file: ``numbers`` (table), ``patterns`` (list with
        ``match``) and ``places`` (table of ``city``, ``state``, ``zip``, ``country``)."""
        book = cls()
        if path is None:
            return book
        path = Path(path)
        raw = path.read_bytes()
        is_toml = path.suffix.lower() == ".toml"
        data = tomllib.loads(raw.decode()) if is_toml else json.loads(raw)
        for number, spec in (data.get("numbers") or {}).items():
            book.numbers[to_e164(number) or number] = Behaviour.from_dict(spec)
        for spec in data.get("patterns") or []:
            book.patterns.append((re.compile(spec["match"]), Behaviour.from_dict(spec)))
        for number, spec in (data.get("places") or {}).items():
            book.places[to_e164(number) or number] = Place.from_dict(spec)
        return book


def _with_matched_digits(behaviour: Behaviour, match: re.Match[str]) -> Behaviour:
    """Rules like ``+15550006123`` press the digits their number carries (``123``)."""
    digits = match.groupdict().get("digits")
    return replace(behaviour, digits=(digits,)) if digits else behaviour
