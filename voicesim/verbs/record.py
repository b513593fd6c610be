"""``<Record>``: record the caller's message until silence, a key or maxLength.

The far end speaks through ``/sim/calls/{sid}/say``; each thing said resets
the silence countdown (``timeout``). The action hears Twilio's
``RecordingUrl``, ``RecordingSid``, ``RecordingDuration`` and ``Digits``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from voicesim.calls import Interrupted, Source
from voicesim.recording import RECORDING_EVENTS, Recording
from voicesim.twiml import event_names, flag, number
from voicesim.verbs.gather import wait_digit

if TYPE_CHECKING:
    from voicesim.twiml_runner import TwimlRunner

BEEP = 0.5


def recording_callback(
    runner: TwimlRunner, element: Element, doc_url: str | None
) -> tuple[str | None, str, frozenset[str]]:
    """``recordingStatusCallback`` with its method and events, as Record, Dial and
    Conference take them."""
    url = element.get("recordingStatusCallback")
    events = event_names(element.get("recordingStatusCallbackEvent"), "completed")
    return (
        runner.resolve(doc_url, url) if url else None,
        element.get("recordingStatusCallbackMethod", "POST").upper(),
        events & RECORDING_EVENTS,
    )


async def record(runner: TwimlRunner, verb: Element, doc_url: str | None) -> Source | None:
    call, engine = runner.call, runner.engine
    action = runner.resolve(doc_url, verb.get("action")) if verb.get("action") else doc_url
    method = verb.get("method", "POST")
    if flag(verb.get("playBeep"), True):
        runner.log.add("beep")
        await runner.life.wait(call, BEEP)
    recording = engine.recordings.start(
        "RecordVerb", call, callback=recording_callback(runner, verb, doc_url)
    )
    call.gather_active = True  # keys pressed now reach the recorder
    try:
        pressed = await _listen(runner, verb, recording)
    except Interrupted:
        # Twilio still posts the recording to the action of a caller who hung up.
        _stop(runner, recording, "hangup")
        hung_up = call.pending is None or call.pending.kind == "hangup"
        if action and hung_up:
            await runner.notify(Source(action, method, extra=_result(runner, recording, "hangup")))
        raise
    _stop(runner, recording, pressed)
    if not action:
        return None
    return Source(action, method, extra=_result(runner, recording, pressed))


async def _listen(runner: TwimlRunner, verb: Element, recording: Recording) -> str:
    """Record until ``timeout`` seconds of silence, ``maxLength`` or a finishing key."""
    timeout = number(verb.get("timeout"), 5.0)
    max_length = number(verb.get("maxLength"), 3600.0)
    finish_keys = verb.get("finishOnKey", "1234567890*#")
    clock = runner.engine.clock
    began = clock.now()
    while True:
        now = clock.now()
        last_sound = max([began, *(at + length for at, length, _ in recording.sounds)])
        silent_for = timeout - (now - last_sound) if timeout > 0 else None
        left = max_length - (now - began)
        if left <= 0 or (silent_for is not None and silent_for <= 0):
            return ""
        key = await wait_digit(runner, left if silent_for is None else min(left, silent_for))
        if key is not None and key in finish_keys:
            return key


def _stop(runner: TwimlRunner, recording: Recording, pressed: str) -> None:
    runner.call.gather_active = False
    runner.engine.recordings.stop(recording)
    duration = recording.duration()
    runner.log.add("recorded", recording=recording.sid, duration=duration, digits=pressed)


def _result(runner: TwimlRunner, recording: Recording, pressed: str) -> dict[str, str]:
    """What the action hears; ``Digits`` only when a key (or the hang-up) ended it."""
    extra = {
        "RecordingUrl": runner.engine.base_url + recording.base_uri(),
        "RecordingSid": recording.sid,
        "RecordingDuration": recording.duration(),
    }
    if pressed:
        extra["Digits"] = pressed
    return extra
