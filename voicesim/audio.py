"""What a participant hears, and the audio a URL answers with.

Hold music, wait music and announcements are URLs that answer either an audio
file or a TwiML document of ``<Play>``/``<Say>``; ``audio_of`` turns either into
``Heard`` items for the listener's transcript.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urljoin

from voicesim.callbacks import WebhookSender
from voicesim.calls import Call
from voicesim.twiml import DocumentError, parse_twiml


@dataclass(frozen=True)
class Heard:
    """One thing a call heard: speech, a coach, music, a beep, an announcement."""

    source: str
    speaker: str | None = None
    text: str | None = None
    url: str | None = None
    conference: str | None = None
    note: str | None = None

    def named(self, source: str, conference: str) -> Heard:
        return replace(self, source=source, conference=conference)

    def entry(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


def hear(call: Call, heard: Heard) -> None:
    """Write what ``call``'s far end heard to its transcript."""
    call.transcript.add("heard", **heard.entry())


async def audio_of(
    webhooks: WebhookSender, url: str, method: str, params: dict[str, str]
) -> list[Heard] | None:
    """What playing ``url`` sounds like; ``None`` when it cannot be fetched."""
    answer = await webhooks.send(url, method, params)
    if not answer.ok:
        return None
    try:
        root = parse_twiml(answer.text)
    except DocumentError:
        return [Heard("audio", url=url)]  # an audio file: it is what is heard
    heard: list[Heard] = []
    for verb in root:
        body = (verb.text or "").strip()
        if verb.tag == "Play" and body:
            heard.append(Heard("audio", url=urljoin(url, body)))
        elif verb.tag == "Say":
            heard.append(Heard("audio", text=body))
    return heard
