"""``<Say>``, ``<Play>`` and ``<Pause>``: what the caller hears, taking its time.

Each takes simulated time (words at a speaking rate, a fixed length per play)
and can be interrupted by a live update in the middle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from voicesim.calls import Interrupted
from voicesim.twiml import loops, number, say_seconds

if TYPE_CHECKING:
    from voicesim.twiml_runner import TwimlRunner

PLAY_LENGTH = 3.0
DIGIT_LENGTH = 0.1


async def say(runner: TwimlRunner, verb: Element, doc_url: str | None) -> None:
    text = (verb.text or "").strip()
    count = loops(verb)
    played = 0
    while count is None or played < count:
        runner.log.add("say", text=text, voice=verb.get("voice"), language=verb.get("language"))
        recordings, seconds = runner.engine.recordings, say_seconds(text)
        started = recordings.capture(runner.call.sid, "twilio", seconds)
        try:
            await runner.life.wait(runner.call, seconds)
        except Interrupted:
            recordings.cut_short(runner.call.sid, "twilio", started)
            raise
        played += 1


async def play(runner: TwimlRunner, verb: Element, doc_url: str | None) -> None:
    digits = verb.get("digits")
    if digits:
        runner.log.add("digits-sent", digits=digits)
        await runner.life.wait(runner.call, len(digits) * DIGIT_LENGTH)
        return
    url = runner.resolve(doc_url, verb.text)
    count = loops(verb)
    runner.log.add("play", url=url, loop="forever" if count is None else count)
    played = 0
    try:
        while count is None or played < count:
            await runner.life.wait(runner.call, PLAY_LENGTH)
            played += 1
    except Interrupted:
        runner.log.add("play-interrupted", url=url, plays_done=played)
        raise


async def pause(runner: TwimlRunner, verb: Element, doc_url: str | None) -> None:
    length = number(verb.get("length"), 1.0)
    runner.log.add("pause", length=length)
    await runner.life.wait(runner.call, length)
