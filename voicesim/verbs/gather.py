"""``<Gather>`` (dtmf): nested prompts, then keys until a rule says stop.

The far end presses keys as its phonebook behaviour says, a moment after the
Gather starts, or when a test posts them to ``/sim/calls/{sid}/digits``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from voicesim.calls import Interrupted, Source
from voicesim.twiml import loops, number, say_seconds
from voicesim.verbs.media import PLAY_LENGTH

if TYPE_CHECKING:
    from voicesim.twiml_runner import TwimlRunner


async def gather(runner: TwimlRunner, verb: Element, doc_url: str | None) -> Source | None:
    call = runner.call
    num_digits = int(number(verb.get("numDigits"), 0))
    finish_key = verb.get("finishOnKey", "#")
    timeout = number(verb.get("timeout"), 5.0)
    action = verb.get("action")
    method = verb.get("method", "POST")
    runner.log.add(
        "gather",
        num_digits=num_digits or None,
        finish_on_key=finish_key,
        timeout=timeout,
        action=action,
    )
    while not call.digits.empty():
        call.digits.get_nowait()
    call.gather_active = True
    _press_as_the_phonebook_says(runner, call.gathers)
    call.gathers += 1
    try:
        first = await _prompts(runner, list(verb), doc_url)
        digits, finished_on = await _collect(runner, first, num_digits, finish_key, timeout)
    finally:
        call.gather_active = False
    runner.log.add("gather-result", digits=digits, finished_on_key=finished_on)
    target = runner.resolve(doc_url, action) if action else doc_url
    if not digits or not target:
        return None
    extra = {"Digits": digits}
    if finished_on:
        extra["FinishedOnKey"] = finished_on
    return Source(url=target, method=method, extra=extra)


async def wait_digit(runner: TwimlRunner, sim_seconds: float | None) -> str | None:
    """Next key pressed within ``sim_seconds`` (``None`` on timeout)."""
    call = runner.call
    runner.life.check(call)
    if not call.digits.empty():
        return call.digits.get_nowait()
    getter = asyncio.ensure_future(call.digits.get())
    stopper = asyncio.ensure_future(call.interrupt.wait())
    timeout = None if sim_seconds is None else runner.engine.clock.real_seconds(sim_seconds)
    done, pending = await asyncio.wait(
        {getter, stopper}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()
    if stopper in done:
        if getter in done:
            call.digits.put_nowait(getter.result())
        raise Interrupted
    return getter.result() if getter in done else None


def _press_as_the_phonebook_says(runner: TwimlRunner, index: int) -> None:
    """The far end presses its keys for the ``index``-th Gather a moment after it starts."""
    presses = runner.behaviour.digits
    keys = presses[min(index, len(presses) - 1)] if presses else ""
    if not keys:
        return
    call = runner.call

    def press() -> None:
        if call.gather_active:
            runner.life.press(call, keys, who="phonebook")

    delay = runner.engine.clock.real_seconds(runner.behaviour.press_after)
    call.timers.append(asyncio.get_running_loop().call_later(delay, press))


async def _prompts(runner: TwimlRunner, children: list[Element], doc_url: str | None) -> str | None:
    """Nested Say/Play/Pause; the first key pressed stops them."""
    for child in children:
        count = loops(child)
        if child.tag == "Say":
            text = (child.text or "").strip()
            seconds = None if count is None else say_seconds(text) * count
            runner.log.add("say", text=text, in_gather=True)
        elif child.tag == "Play":
            url = runner.resolve(doc_url, child.text)
            seconds = None if count is None else PLAY_LENGTH * count
            runner.log.add("play", url=url, in_gather=True)
        elif child.tag == "Pause":
            seconds = number(child.get("length"), 1.0)
            runner.log.add("pause", length=seconds, in_gather=True)
        else:
            continue
        key = await wait_digit(runner, seconds)
        if key is not None:
            return key
    return None


async def _collect(
    runner: TwimlRunner, first: str | None, num_digits: int, finish_key: str, timeout: float
) -> tuple[str, str | None]:
    """Keys until ``finishOnKey``, ``numDigits`` or ``timeout`` seconds of silence."""
    digits = ""
    key = first
    while True:
        if key is None:
            key = await wait_digit(runner, timeout)
            if key is None:
                return digits, None
        if finish_key and key == finish_key:
            return digits, key
        digits += key
        if num_digits and len(digits) >= num_digits:
            return digits, None
        key = None
