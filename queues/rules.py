"""The rules an agent's settings obey, checked before anything is saved.

Each check raises the core's `RuleViolation` naming the field, so the admin
shows the message beside the input. Phone numbers follow the core's own rule
(`calls.rules.phone_number`), reused rather than restated.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from calls import rules as call_rules
from calls.exceptions import RuleViolation

from .models import EndpointKind

CLIENT_IDENTITY = re.compile(r"^[A-Za-z0-9_.\-]{1,121}$")
SIP_URI = re.compile(r"^sips?:[^@\s]+@[^\s]+$", re.IGNORECASE)


def agent_endpoint(kind: str, endpoint: str) -> str:
    """The endpoint as Dial needs it: E.164 number, sip: URI or a client identity."""
    text = (endpoint or "").strip()
    if kind == EndpointKind.NUMBER:
        return call_rules.phone_number(text, field="endpoint")
    if kind == EndpointKind.SIP:
        if not SIP_URI.match(text):
            raise RuleViolation(
                "A SIP endpoint looks like sip:alice@example.com.", field="endpoint"
            )
        return text
    if kind == EndpointKind.CLIENT:
        identity = text.removeprefix("client:")
        if not CLIENT_IDENTITY.match(identity):
            raise RuleViolation(
                "A client identity is letters, digits, '_', '.' or '-'.", field="endpoint"
            )
        return identity
    raise RuleViolation(f"Unknown endpoint kind {kind!r}.", field="endpoint_kind")


def question_positions(positions: Iterable[int]) -> None:
    """A survey asks its questions in order of position, each position once."""
    seen = Counter(positions)
    twice = sorted(position for position, count in seen.items() if count > 1)
    if twice:
        raise RuleViolation(
            f"Each question needs its own position; {', '.join(map(str, twice))} is used twice.",
            field="questions",
        )
