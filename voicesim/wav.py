"""Recording media: a real WAV whose sound the simulation decides.

Twilio records 8 kHz 16-bit PCM. Each speaker is a sine tone of its own pitch
(so a listener, or a test, can tell who spoke when), everything else is
silence: the gaps between speech, and a pause kept as silence.
"""

from __future__ import annotations

import io
import math
import wave
import zlib
from array import array
from dataclasses import dataclass

RATE = 8000
AMPLITUDE = 8000
#: the pitches speakers are given, by a hash of their name
PITCHES = (330, 392, 440, 494, 523, 587, 659, 740)


@dataclass(frozen=True)
class Tone:
    """``speaker`` heard from ``start`` for ``length`` seconds of the media."""

    start: float
    length: float
    speaker: str


def pitch(speaker: str) -> int:
    return PITCHES[zlib.crc32(speaker.encode()) % len(PITCHES)]


def render(length: float, tones: list[Tone]) -> bytes:
    """A mono WAV of ``length`` seconds: silence, with each tone where it falls."""
    total = max(0, round(length * RATE))
    samples = array("h", bytes(2 * total))
    for tone in tones:
        first = max(0, round(tone.start * RATE))
        last = min(total, round((tone.start + tone.length) * RATE))
        step = 2 * math.pi * pitch(tone.speaker) / RATE
        for index in range(first, last):
            samples[index] = int(AMPLITUDE * math.sin(step * (index - first)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()
