"""``<Dial>`` with ``<Number>``, ``<Sip>`` and ``<Client>``: each noun's leg is a
call of its own, all ring at once, the first to answer is bridged.

Twilio's rules kept here: the other legs are canceled on the first answer, a
change on the parent (redirect, hang-up) ends the legs and requests the action
before anything else, and ``DialCallStatus`` tells an unanswered dial's reason.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from voicesim.calls import Call, Interrupted, Source
from voicesim.numbers import to_e164
from voicesim.twiml import event_names, number
from voicesim.verbs.conference import dial_conference
from voicesim.verbs.queue import dial_queue
from voicesim.verbs.record import recording_callback

if TYPE_CHECKING:
    from voicesim.twiml_runner import TwimlRunner

#: DialCallStatus when no leg answered: the first of these any leg ended with
UNANSWERED_DIAL = ("busy", "no-answer", "failed", "canceled")


async def dial(runner: TwimlRunner, verb: Element, doc_url: str | None) -> Source | None:
    """Ring every noun at once; the first to answer is bridged, the others canceled.

    A ``<Conference>`` noun joins a room, a ``<Queue>`` takes a waiting caller
    (each in its own module).
    """
    room = verb.find("Conference")
    if room is not None:
        return await dial_conference(runner, verb, room, doc_url)
    line = verb.find("Queue")
    if line is not None:
        return await dial_queue(runner, verb, line, doc_url)
    life = runner.life
    action = runner.resolve(doc_url, verb.get("action")) if verb.get("action") else None
    method = verb.get("method", "POST")
    record = verb.get("record", "do-not-record")
    recordings = runner.engine.recordings
    callback = recording_callback(runner, verb, doc_url)
    legs = _start_legs(runner, verb, doc_url)
    winner: Call | None = None
    recording = None
    if record.startswith("record-from-ringing"):
        recording = recordings.start("DialVerb", runner.call, callback=callback)
    try:
        winner = await _first_answer(runner, legs)
        if winner is not None and record.startswith("record-from-answer"):
            recording = recordings.start("DialVerb", runner.call, callback=callback)
        if winner is not None:
            for leg in legs:
                if leg is not winner and leg.is_live:
                    life.hangup(leg, "canceled", reason="another leg answered")
            runner.log.add("leg-connected", leg=winner.sid)
            runner.call.bridged_with, winner.bridged_with = winner.sid, runner.call.sid
            try:
                await life.wait_events(runner.call, [winner.done])
            finally:
                runner.call.bridged_with = winner.bridged_with = None
    except Interrupted:
        # Twilio ends the legs and requests the action before anything else.
        for leg in legs:
            if leg.is_live:
                life.hangup(leg, reason="parent call redirected or hung up")
        await asyncio.gather(*(leg.done.wait() for leg in legs))
        _log_legs(runner, legs)
        if action:
            await runner.notify(Source(action, method, extra=_dial_result(legs, winner)))
        raise
    finally:
        if recording is not None:
            recordings.stop(recording)
    _log_legs(runner, legs)
    result = _dial_result(legs, winner)
    runner.log.add("dial-result", **result)
    return Source(action, method, extra=result) if action else None


def _start_legs(runner: TwimlRunner, verb: Element, doc_url: str | None) -> list[Call]:
    call = runner.call
    timeout = number(verb.get("timeout"), 30.0)
    time_limit = number(verb.get("timeLimit"), 14400.0)
    caller_id = verb.get("callerId") or call.from_
    legs: list[Call] = []
    for target, noun in _dial_targets(runner, verb):
        to = to_e164(target) if noun.tag in ("Number", "Dial") else target
        if not to:
            runner.log.add("error", code=13223, message=f"Dial: invalid number {target!r}")
            continue
        leg = runner.engine.new_call(
            to=to,
            from_=caller_id,
            direction="outbound-dial",
            api_version=call.api_version,
            parent_sid=call.sid,
            status_callback=noun.get("statusCallback"),
            status_callback_method=noun.get("statusCallbackMethod", "POST"),
            status_callback_events=event_names(noun.get("statusCallbackEvent"), "completed"),
            timeout=timeout,
            time_limit=time_limit,
            url=runner.resolve(doc_url, noun.get("url")) if noun.get("url") else None,
            method=noun.get("method", "POST"),
            send_digits=noun.get("sendDigits", ""),
        )
        call.legs.append(leg.sid)
        runner.engine.start(leg)
        runner.log.add("leg-started", leg=leg.sid, to=to, noun=noun.tag)
        legs.append(leg)
    return legs


async def _first_answer(runner: TwimlRunner, legs: list[Call]) -> Call | None:
    """The first leg to answer, or ``None`` once every leg has ended unanswered."""
    while True:
        winner = next((leg for leg in legs if leg.status == "in-progress"), None)
        ringing = [leg.answered for leg in legs if not leg.done.is_set()]
        if winner is not None or not ringing:
            return winner
        await runner.life.wait_events(runner.call, ringing)


def _log_legs(runner: TwimlRunner, legs: list[Call]) -> None:
    for leg in legs:
        runner.log.add("leg-ended", leg=leg.sid, status=leg.status, duration=leg.duration)


def _dial_targets(runner: TwimlRunner, verb: Element) -> list[tuple[str, Element]]:
    targets: list[tuple[str, Element]] = []
    text = (verb.text or "").strip()
    if text:
        targets.append((text, verb))
    for noun in verb:
        body = (noun.text or "").strip()
        if noun.tag == "Number":
            targets.append((body, noun))
        elif noun.tag == "Sip":
            targets.append((body if body.lower().startswith("sip:") else f"sip:{body}", noun))
        elif noun.tag == "Client":
            identity = noun.find("Identity")
            name = (identity.text or "").strip() if identity is not None else body
            targets.append((f"client:{name}", noun))
        else:
            runner.log.add("verb", verb=f"Dial/{noun.tag}", note="noun not simulated")
    return targets


def _dial_result(legs: list[Call], winner: Call | None) -> dict[str, str]:
    """``DialCallStatus``, ``DialCallSid`` and ``DialCallDuration`` for the action."""
    if winner is not None:
        status = "completed"
    else:
        ended = {leg.status for leg in legs}
        status = next((s for s in UNANSWERED_DIAL if s in ended), "failed")
    chosen = winner or (legs[0] if legs else None)
    result = {"DialCallStatus": status}
    if chosen is not None:
        result["DialCallSid"] = chosen.sid
        result["DialCallDuration"] = str(chosen.duration or 0)
    return result
