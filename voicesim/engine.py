"""Owns every call and walks each through its life.

Each call runs as one asyncio task that walks queued → initiated → ringing →
in-progress → a final status: ringing and the far end's answer here, detection
in ``detection``, TwiML in ``twiml_runner``. What the verbs may do to a call
goes through ``Lifecycle`` (``self.life``), the narrow interface of a call's life.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Coroutine
from typing import Any

from voicesim.account_numbers import AccountNumbers
from voicesim.audio import Heard, hear
from voicesim.call_queue import CallQueues
from voicesim.calls import Call, Interrupted, Source, new_sid
from voicesim.clock import SimClock, utcnow
from voicesim.conference import Conferences
from voicesim.detection import API_2008, Detector
from voicesim.faults import Faults
from voicesim.lifecycle import Lifecycle
from voicesim.limits import Limits
from voicesim.local_hosts import LocalHosts
from voicesim.notifier import Notifier
from voicesim.phonebook import Behaviour, Phonebook
from voicesim.recording import Recordings
from voicesim.transcript import Transcript
from voicesim.twiml import say_seconds
from voicesim.twiml_runner import TwimlRunner

log = logging.getLogger(__name__)

__all__ = ["API_2008", "Engine"]

# Simulated seconds the network and the far end take.
INITIATE_AFTER = 0.05
RING_AFTER = 0.2
BUSY_AFTER = 1.0
DIGIT_LENGTH = 0.1
PAUSE_KEYS = {"w": 0.5, "W": 1.0}


class Engine:
    """Owns every call and the machinery shared by them."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        speed: float = 1.0,
        phonebook: Phonebook | None = None,
        base_url: str = "http://127.0.0.1:8765",
        faults: Faults | None = None,
        limits: Limits | None = None,
        numbers: tuple[list[str], list[str]] = ([], []),
        local_hosts: LocalHosts | None = None,
    ) -> None:
        self.account_sid = account_sid
        #: where this simulator is reached: recording media URLs point here
        self.base_url = base_url
        self.auth_token = auth_token
        self.clock = SimClock(speed)
        self.started = utcnow()
        self.phonebook = phonebook or Phonebook()
        self.calls: OrderedDict[str, Call] = OrderedDict()
        self.account_numbers = AccountNumbers(account_sid, *numbers)
        self.faults = faults or Faults()
        self.limits = limits or Limits()
        #: the hosts webhooks may go to (``--allow-host`` adds to this machine's)
        self.local_hosts = local_hosts or LocalHosts()
        self.notifier = Notifier(auth_token, self.faults, self.phonebook.places, self.local_hosts)
        self.life = Lifecycle(self.clock, self.notifier)
        self.detector = Detector(self)
        self.conferences = Conferences(self)
        self.queues = CallQueues(self)
        self.recordings = Recordings(self)
        self._background: set[asyncio.Task[None]] = set()

    async def shutdown(self) -> None:
        """Stop every call and delivery at once: nobody is called back on the way out."""
        self.notifier.stop()
        tasks = [call.task for call in self.calls.values() if call.task and not call.task.done()]
        tasks.extend(self._background)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.notifier.webhooks.close()

    # ------------------------------------------------------------------ creation
    def new_call(self, **fields: Any) -> Call:
        call = Call(sid=new_sid("CA"), account_sid=self.account_sid, **fields)
        call.created_sim = self.clock.now()
        call.transcript = Transcript(self.clock.now, call.created_sim)
        self.calls[call.sid] = call
        return call

    def start(self, call: Call) -> None:
        """Schedule the call's life; the API answers before anything happens."""
        call.transcript.add("created", status=call.status, direction=call.direction)
        if call.direction == "outbound-api":
            call.queue_wait = self.limits.queue_wait(call.created_sim)
        call.task = asyncio.get_running_loop().create_task(self._life(call))

    def forget(self, call: Call) -> None:
        """Drop an ended call (REST delete)."""
        self.calls.pop(call.sid, None)
        self.notifier.forget(call.sid)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` beside the calls, keeping a reference until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def live_count(self) -> int:
        return sum(1 for call in self.calls.values() if call.is_live)

    def far_end(self, call: Call) -> Behaviour:
        """Who is at the other end of ``call``: the caller of an inbound call, else the called."""
        return self.phonebook.lookup(call.from_ if call.direction == "inbound" else call.to)

    def runner(self, call: Call, behaviour: Behaviour) -> TwimlRunner:
        return TwimlRunner(self, call, behaviour)

    def speak(self, call: Call, text: str) -> list[str]:
        """The far end of ``call`` says ``text``; the SIDs of the calls that heard it.

        In a conference the room's rules decide; on a bridge (a Dial leg, a
        dequeued caller) the other side hears it; alone, nobody does.
        """
        heard_by = self.conferences.speak(call, text)
        if heard_by is None:
            other = self.calls.get(call.bridged_with or "")
            heard_by = [other] if other is not None else []
            if other is not None:
                hear(other, Heard("speech", speaker=call.sid, text=text))
        sids = [listener.sid for listener in heard_by]
        for line in {call.sid, *sids}:
            self.recordings.capture(line, call.sid, say_seconds(text))
        call.transcript.add("spoke", text=text, heard_by=sids)
        return sids

    # ------------------------------------------------------------------ life
    async def _life(self, call: Call) -> None:
        try:
            if call.direction == "inbound":
                await self._inbound(call)
            else:
                await self._outbound(call)
        except asyncio.CancelledError:
            return  # the simulator is shutting down: the call just stops
        except Exception:
            log.exception("call %s crashed", call.sid)
            call.transcript.add("error", message="simulator error")
        if call.is_live:
            self.life.end(call, "end of the call flow")

    async def _outbound(self, call: Call) -> None:
        behaviour = self.far_end(call)
        call.transcript.add("far-end", behaviour=behaviour.to_dict())
        try:
            # its turn under calls_per_second: a moment, so a late start does not shift it
            await self.life.wait_until(call, call.created_sim + call.queue_wait)
            if self._over_concurrency(call):
                call.error_code = 10004
                self.life.finish(call, "failed", reason="error 10004: concurrency limit")
                return
            unanswered = await self._ring(call, behaviour)
        except Interrupted:
            self.life.end(call, "hung up before answer")
            return
        if unanswered is not None:
            self.life.finish(call, *unanswered)
            return
        self.life.answer(call, behaviour)
        if call.record:
            self.recordings.start("OutboundAPI", call, callback=call.recording_callback)
        if call.seat is not None:
            await self._seated(call, behaviour)
        elif call.direction == "outbound-dial":
            await self._bridged(call, behaviour)
        else:
            await self._connected(call, behaviour)

    def _over_concurrency(self, call: Call) -> bool:
        """Whether dialing ``call`` now goes over ``max_concurrent`` live outbound calls."""
        cap = self.limits.max_concurrent
        if not cap:
            return False
        dialed = sum(
            1
            for other in self.calls.values()
            if other is not call
            and other.is_live
            and other.direction != "inbound"
            and other.status != "queued"
        )
        return dialed >= cap

    async def _ring(self, call: Call, behaviour: Behaviour) -> tuple[str, str] | None:
        """Place the call and ring; ``(status, reason)`` when nobody answers."""
        life = self.life
        await life.wait(call, INITIATE_AFTER)
        life.set_status(call, "initiated")
        await life.wait(call, RING_AFTER)
        if behaviour.kind == "failed":
            return "failed", "unreachable"
        life.set_status(call, "ringing")
        if behaviour.kind == "busy":
            await life.wait(call, min(BUSY_AFTER, call.timeout))
            return "busy", "busy"
        if behaviour.kind == "no-answer" or behaviour.answer_after >= call.timeout:
            await life.wait(call, call.timeout)
            return "no-answer", "ring timeout"
        await life.wait(call, behaviour.answer_after)
        return None

    async def _inbound(self, call: Call) -> None:
        behaviour = self.far_end(call)
        call.transcript.add("far-end", behaviour=behaviour.to_dict())
        await self.run_twiml(call, behaviour, Source(call.url, call.method, call.twiml))

    async def run_twiml(self, call: Call, behaviour: Behaviour, source: Source | None) -> None:
        """Run documents from ``source``; the call ends with the last one."""
        await self.runner(call, behaviour).run(source)
        if call.is_live:
            self.life.end(call, "end of TwiML")

    async def _connected(self, call: Call, behaviour: Behaviour) -> None:
        """After the answer of an API call: SendDigits, detection, then the TwiML."""
        try:
            if call.send_digits:
                await self._send_digits(call)
            extra = await self.detector.detect(call, behaviour)
        except Interrupted:
            change = self.life.take_pending(call)
            source = change.source if change and change.kind == "redirect" else None
            await self.run_twiml(call, behaviour, source)
            return
        if extra is not None:
            source = Source(call.url, call.method, call.twiml, extra=extra)
            await self.run_twiml(call, behaviour, source)

    async def _send_digits(self, call: Call) -> None:
        """SendDigits: DTMF to the far end once connected; ``w``/``W`` pause 0.5 s/1 s."""
        for key in call.send_digits:
            await self.life.wait(call, PAUSE_KEYS.get(key, DIGIT_LENGTH))
        call.transcript.add("digits-sent", digits=call.send_digits)

    async def _seated(self, call: Call, behaviour: Behaviour) -> None:
        """A participant called in by the API: in the conference until it leaves."""
        try:
            await self.conferences.attend(call.seat)
        except Interrupted:
            change = self.life.take_pending(call)
            if change is not None and change.kind == "redirect":
                await self.run_twiml(call, behaviour, change.source)
        if call.is_live:
            self.life.end(call, "left the conference")

    async def _bridged(self, call: Call, behaviour: Behaviour) -> None:
        """A ``<Dial>`` leg once answered: its ``url`` document first, then the conversation."""
        if call.url:
            await self.runner(call, behaviour).run(Source(call.url, call.method))
        while call.is_live:
            call.transcript.add("bridged", parent=call.parent_sid)
            try:
                await self.life.wait(call, None)
            except Interrupted:
                change = self.life.take_pending(call)
                if change is None or change.kind == "hangup":
                    break
                await self.run_twiml(call, behaviour, change.source)
        if call.is_live:
            self.life.end(call, "bridge ended")
