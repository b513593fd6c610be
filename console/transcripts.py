"""What the far end heard and pressed, from voicesim, for calls that ran on it.

Real Twilio keeps no such transcript; voicesim does (`/sim/calls/{sid}/transcript`).
A page must never hang on it, so the request is short and any failure becomes
a sentence on the page instead of an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from django.conf import settings

TIMEOUT_SECONDS = 2.0
# Keys every transcript entry has; the rest describe the entry.
ENTRY_KEYS = ("seq", "t", "at", "event")


@dataclass(frozen=True)
class TranscriptLine:
    seconds: float | None
    event: str
    detail: str


@dataclass(frozen=True)
class Transcript:
    lines: list[TranscriptLine] = field(default_factory=list)
    problem: str = ""


def runs_on_simulator() -> bool:
    """Whether the gateway points at voicesim rather than Twilio itself."""
    host = urlsplit(settings.TWILIO_API_BASE_URL).hostname or ""
    return not (host == "twilio.com" or host.endswith(".twilio.com"))


def fetch_transcript(sid: str) -> Transcript:
    base = settings.TWILIO_API_BASE_URL.rstrip("/")
    try:
        response = httpx.get(
            f"{base}/sim/calls/{sid}/transcript",
            auth=(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN),
            timeout=TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        return Transcript(problem=f"The simulator at {base} could not be reached ({exc}).")
    if response.status_code == 404:
        return Transcript(problem="The simulator does not know this call (it was restarted).")
    if response.is_error:
        return Transcript(problem=f"The simulator answered {response.status_code}.")
    try:
        entries = response.json()["entries"]
    except (ValueError, KeyError, TypeError):
        return Transcript(problem="The simulator's answer was not a transcript.")
    return Transcript(lines=[_line(entry) for entry in entries if isinstance(entry, dict)])


def _line(entry: dict) -> TranscriptLine:
    detail = ", ".join(f"{key}: {value}" for key, value in entry.items() if key not in ENTRY_KEYS)
    seconds = entry.get("t")
    return TranscriptLine(
        seconds=seconds if isinstance(seconds, int | float) else None,
        event=str(entry.get("event", "")),
        detail=detail,
    )
