"""TwiML documents: parsing, the attribute readers every verb shares, and the
two ways a document stops (``Stop``, ``DocumentError``).

Kept apart from the runner so the REST front can check inline ``Twiml`` and
each verb module can read its attributes without importing the runner.
"""

from __future__ import annotations

import math
import re
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

WORDS_PER_SECOND = 2.5
#: a Studio Flow webhook, by host and path whatever the scheme or case
STUDIO_FLOW_HOST = "webhooks.twilio.com"
STUDIO_FLOW_PATH = re.compile(r"^/v1/Accounts/[^/]+/Flows/FW", re.I)


class Stop(Exception):
    """The document ended the call (Hangup, Reject, a fatal fetch error)."""


class DocumentError(Exception):
    """A document could not be fetched (11200) or parsed (12100)."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(detail)
        self.code = code


def is_studio_flow(url: str | None) -> bool:
    """Seed 001: a Studio Flow webhook; it only takes calls that are still ringing.

    Known by its host and path whatever the scheme, port, user or case."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")  # lowercased, port and user left out
    except ValueError:
        return False
    return host == STUDIO_FLOW_HOST and bool(STUDIO_FLOW_PATH.match(parts.path))


def parse_twiml(text: str) -> Element:
    """Parse a TwiML document safely; anything but ``<Response>`` is a parse failure."""
    try:
        root = fromstring(text.strip().encode())
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise DocumentError(12100, f"invalid XML: {exc}") from exc
    if root.tag != "Response":
        raise DocumentError(12100, f"root element is <{root.tag}>, not <Response>")
    return root


def say_seconds(text: str) -> float:
    return max(0.5, len(text.split()) / WORDS_PER_SECOND)


def loops(element: Element) -> int | None:
    """The ``loop`` attribute; ``None`` means forever (``loop="0"``)."""
    value = int(number(element.get("loop"), 1))
    return None if value <= 0 else value


def number(value: str | None, default: float) -> float:
    """A numeric attribute, ``default`` when absent or not a number."""
    try:
        result = float(value) if value not in (None, "") else default
    except ValueError:
        return default
    return default if math.isnan(result) else result


def flag(value: str | None, default: bool = False) -> bool:
    """A boolean attribute (``true``/``false``, any case)."""
    if value in (None, ""):
        return default
    return value.strip().lower() == "true"


def event_names(value: str | None, default: str = "") -> frozenset[str]:
    """A space- or comma-separated event list such as ``statusCallbackEvent``."""
    return frozenset((value or default).replace(",", " ").split())
