"""What the far end heard and pressed, from voicesim, for calls that ran on it.

Real Twilio keeps no such transcript; voicesim does, and the gateway fetches it
(`calls.telephony.fetch_transcript`). A page must never hang on it, so the
request is short and any failure becomes a sentence on the page instead of an
error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from calls import telephony
from calls.exceptions import TwilioError, TwilioUnreachable

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


def fetch_transcript(sid: str) -> Transcript:
    try:
        entries = telephony.fetch_transcript(sid, timeout=TIMEOUT_SECONDS)["entries"]
    except TwilioUnreachable as exc:
        base = settings.TWILIO_API_BASE_URL.rstrip("/")
        return Transcript(problem=f"The simulator at {base} could not be reached ({exc}).")
    except TwilioError as exc:
        if exc.status == 404:
            return Transcript(problem="The simulator does not know this call (it was restarted).")
        return Transcript(problem=f"The simulator answered {exc.status}.")
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
