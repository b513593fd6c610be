"""The call state machine: ringing, answering, detection, hang-ups, callbacks.

Each call runs as one asyncio task that walks queued → initiated → ringing →
in-progress → a final status. Anything that must change a running call from
outside (an API update, the far end hanging up, a time limit) records a
``Pending`` change and sets the call's ``interrupt`` event; every wait of the
call is interruptible, so a looping ``<Play>`` or a ``<Gather>`` stops at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Coroutine
from typing import Any

from voicesim.callbacks import OrderedChannel, WebhookSender
from voicesim.calls import (
    FINAL_STATUSES,
    SIP_CODES,
    Call,
    Interrupted,
    Pending,
    Source,
    new_sid,
)
from voicesim.clock import SimClock, rfc2822, utcnow
from voicesim.phonebook import Behaviour, Phonebook
from voicesim.transcript import Transcript
from voicesim.twiml_runner import TwimlRunner

log = logging.getLogger(__name__)

API_2008 = "2008-08-01"
# Simulated seconds the network and the far end take.
INITIATE_AFTER = 0.05
RING_AFTER = 0.2
BUSY_AFTER = 1.0
HUMAN_DETECTION = 2.0
MACHINE_START_DETECTION = 3.0
FAX_DETECTION = 1.0
BEEP_LENGTH = 0.5
SILENCE_AFTER_GREETING = 2.0
DIGIT_LENGTH = 0.1
PAUSE_KEYS = {"w": 0.5, "W": 1.0}


def is_machine(answered_by: str) -> bool:
    return answered_by.startswith("machine") or answered_by == "fax"


class Engine:
    """Owns every call and the machinery shared by them."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        speed: float = 1.0,
        phonebook: Phonebook | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.clock = SimClock(speed)
        self.phonebook = phonebook or Phonebook()
        self.calls: OrderedDict[str, Call] = OrderedDict()
        self.webhooks = WebhookSender(auth_token)
        self.channels: dict[str, OrderedChannel] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def shutdown(self) -> None:
        """Stop every call and delivery at once: nobody is called back on the way out."""
        for channel in self.channels.values():
            channel.stop()
        tasks = [call.task for call in self.calls.values() if call.task and not call.task.done()]
        tasks.extend(self._background)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.webhooks.close()

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
        call.task = asyncio.get_running_loop().create_task(self._life(call))

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` beside the calls, keeping a reference until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def live_count(self) -> int:
        return sum(1 for call in self.calls.values() if call.is_live)

    # ------------------------------------------------------------------ waiting
    async def wait(self, call: Call, sim_seconds: float | None) -> None:
        """Sleep simulated seconds (``None``: forever); raise ``Interrupted`` on a change."""
        self.check(call)
        if sim_seconds is not None and sim_seconds <= 0:
            return
        timeout = None if sim_seconds is None else self.clock.real_seconds(sim_seconds)
        try:
            await asyncio.wait_for(call.interrupt.wait(), timeout)
        except TimeoutError:
            return
        raise Interrupted

    def check(self, call: Call) -> None:
        if call.pending is not None:
            raise Interrupted

    def request_change(self, call: Call, change: Pending) -> None:
        """Record a change for the running flow; a hang-up is never overridden."""
        if call.pending is not None and call.pending.kind == "hangup":
            return
        call.pending = change
        call.interrupt.set()

    def take_pending(self, call: Call) -> Pending | None:
        """The change that interrupted the flow; a redirect is consumed, a hang-up stays."""
        change = call.pending
        if change is not None and change.kind == "redirect":
            call.pending = None
            call.interrupt.clear()
        return change

    def after(self, call: Call, sim_seconds: float, reason: str) -> asyncio.TimerHandle:
        """Hang the call up after ``sim_seconds`` (far end leaving, TimeLimit)."""

        def hang_up() -> None:
            if call.is_live:
                self.hangup(call, reason=reason)

        handle = asyncio.get_running_loop().call_later(
            self.clock.real_seconds(sim_seconds), hang_up
        )
        call.timers.append(handle)
        return handle

    def limit_time(self, call: Call, time_limit: float) -> None:
        """(Re)start the TimeLimit countdown, counted from the answer."""
        call.time_limit = time_limit
        if call.answered_sim is None:
            return
        if call.time_limit_timer is not None:
            call.time_limit_timer.cancel()
        left = time_limit - (self.clock.now() - call.answered_sim)
        call.time_limit_timer = self.after(call, left, "time limit reached")

    # ------------------------------------------------------------------ status
    def set_status(self, call: Call, status: str) -> None:
        """Move the call forward and fire the status callback if its event was asked for."""
        call.status = status
        call.touch()
        call.transcript.add("status", status=status)
        event = {"in-progress": "answered"}.get(status, status)
        if status in FINAL_STATUSES:
            event = "completed"
        if call.status_callback and event in call.status_callback_events:
            self.status_callback(call, status)

    def base_params(self, call: Call, status: str | None = None) -> dict[str, str]:
        """What every webhook about ``call`` carries."""
        params = {
            "CallSid": call.sid,
            "AccountSid": call.account_sid,
            "From": call.from_,
            "To": call.to,
            "Caller": call.from_,
            "Called": call.to,
            "CallStatus": status or call.status,
            "ApiVersion": call.api_version,
            "Direction": call.direction,
            "ForwardedFrom": call.forwarded_from or "",
            "CallerName": call.caller_name or "",
        }
        if call.parent_sid:
            params["ParentCallSid"] = call.parent_sid
        return params

    def status_callback(self, call: Call, status: str) -> None:
        params = self.base_params(call, status)
        params["Timestamp"] = rfc2822(utcnow()) or ""
        params["CallbackSource"] = "call-progress-events"
        params["SequenceNumber"] = str(call.callback_seq)
        call.callback_seq += 1
        if status in FINAL_STATUSES:
            params["CallDuration"] = str(call.duration or 0)
            params["Duration"] = str(call.duration_minutes())
            params["SipResponseCode"] = str(SIP_CODES[status])
        if call.answered_by:
            params["AnsweredBy"] = call.answered_by
        self.post_async(
            call, "status-callback", call.status_callback, call.status_callback_method, params
        )

    def post_async(
        self, call: Call, kind: str, url: str | None, method: str, params: dict[str, str]
    ) -> None:
        """Deliver a callback in order for this call without holding the call."""
        if not url:
            return

        async def job() -> None:
            answer = await self.webhooks.send(url, method, params)
            call.transcript.add(
                "callback",
                kind=kind,
                url=url,
                method=method,
                call_status=params.get("CallStatus"),
                sequence=params.get("SequenceNumber"),
                http_status=answer.status,
                error=answer.error,
            )

        channel = self.channels.setdefault(call.sid, OrderedChannel())
        channel.put(job)

    def finish(self, call: Call, status: str, reason: str = "") -> None:
        """Put the call in its final state, then fire the completed callback."""
        if call.status in FINAL_STATUSES:
            return
        for handle in call.timers:
            handle.cancel()
        call.timers.clear()
        call.ended_sim = self.clock.now()
        call.end_time = utcnow()
        answered = call.answered_sim is not None
        call.duration = max(0, round(call.ended_sim - call.answered_sim)) if answered else 0
        if reason:
            call.transcript.add("hangup", reason=reason)
        self.set_status(call, status)
        call.done.set()
        call.answered.set()  # release anyone waiting on an answer that will never come

    def end(self, call: Call, reason: str) -> None:
        """End a call as its pending hang-up says, else as completed (canceled if unanswered)."""
        change = call.pending if call.pending and call.pending.kind == "hangup" else None
        status = change.status if change else "completed"
        if call.answered_sim is None and status == "completed":
            status = "canceled"
        self.finish(call, status, reason=change.reason if change and change.reason else reason)

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
            self.end(call, "end of the call flow")

    async def _outbound(self, call: Call) -> None:
        behaviour = self.phonebook.lookup(call.to)
        call.transcript.add("far-end", behaviour=behaviour.to_dict())
        try:
            unanswered = await self._ring(call, behaviour)
        except Interrupted:
            self.end(call, "hung up before answer")
            return
        if unanswered is not None:
            self.finish(call, *unanswered)
            return
        self.answer(call, behaviour)
        if call.direction == "outbound-dial":
            await self._bridged(call, behaviour)
        else:
            await self._connected(call, behaviour)

    async def _ring(self, call: Call, behaviour: Behaviour) -> tuple[str, str] | None:
        """Place the call and ring; ``(status, reason)`` when nobody answers."""
        await self.wait(call, INITIATE_AFTER)
        self.set_status(call, "initiated")
        await self.wait(call, RING_AFTER)
        if behaviour.kind == "failed":
            return "failed", "unreachable"
        self.set_status(call, "ringing")
        if behaviour.kind == "busy":
            await self.wait(call, min(BUSY_AFTER, call.timeout))
            return "busy", "busy"
        if behaviour.kind == "no-answer" or behaviour.answer_after >= call.timeout:
            await self.wait(call, call.timeout)
            return "no-answer", "ring timeout"
        await self.wait(call, behaviour.answer_after)
        return None

    async def _inbound(self, call: Call) -> None:
        behaviour = self.phonebook.lookup(call.from_)
        call.transcript.add("far-end", behaviour=behaviour.to_dict())
        await self.run_twiml(call, behaviour, Source(call.url, call.method, call.twiml))

    def answer(self, call: Call, behaviour: Behaviour) -> None:
        """Pick up: the far end talks for a while, TimeLimit starts counting."""
        call.answered_sim = self.clock.now()
        call.start_time = utcnow()
        self.set_status(call, "in-progress")
        call.answered.set()
        self.after(call, behaviour.talk_for, "far end hung up")
        self.limit_time(call, call.time_limit)

    async def run_twiml(self, call: Call, behaviour: Behaviour, source: Source | None) -> None:
        """Run documents from ``source``; the call ends with the last one."""
        await TwimlRunner(self, call, behaviour).run(source)
        if call.is_live:
            self.end(call, "end of TwiML")

    async def _connected(self, call: Call, behaviour: Behaviour) -> None:
        """After the answer of an API call: SendDigits, detection, then the TwiML."""
        try:
            if call.send_digits:
                await self._send_digits(call)
            extra = await self._detect(call, behaviour)
        except Interrupted:
            change = self.take_pending(call)
            source = change.source if change and change.kind == "redirect" else None
            await self.run_twiml(call, behaviour, source)
            return
        if extra is not None:
            source = Source(call.url, call.method, call.twiml, extra=extra)
            await self.run_twiml(call, behaviour, source)

    async def _send_digits(self, call: Call) -> None:
        """SendDigits: DTMF to the far end once connected; ``w``/``W`` pause 0.5 s/1 s."""
        for key in call.send_digits:
            await self.wait(call, PAUSE_KEYS.get(key, DIGIT_LENGTH))
        call.transcript.add("digits-sent", digits=call.send_digits)

    def detection(self, call: Call, behaviour: Behaviour, mode: str) -> tuple[str, float]:
        """(AnsweredBy, seconds it took) for ``Enable`` or ``DetectMessageEnd``."""
        if behaviour.kind == "machine":
            if mode == "Enable":
                result, took = "machine_start", min(MACHINE_START_DETECTION, behaviour.greeting)
            elif behaviour.beep:
                result, took = "machine_end_beep", behaviour.greeting + BEEP_LENGTH
            else:
                result, took = "machine_end_silence", behaviour.greeting + SILENCE_AFTER_GREETING
        elif behaviour.kind == "fax":
            result, took = "fax", FAX_DETECTION
        else:
            result, took = "human", HUMAN_DETECTION
        if took > call.machine_detection_timeout:
            return "unknown", call.machine_detection_timeout
        return result, took

    def record_detection(self, call: Call, answered_by: str, took: float, mode: str) -> None:
        call.answered_by = answered_by
        call.transcript.add("amd", answered_by=answered_by, mode=mode, took=took)

    async def _detect(self, call: Call, behaviour: Behaviour) -> dict[str, str] | None:
        """Run the detection asked for; the parameters it adds to the TwiML request.

        ``None`` when the call was hung up on a machine (2008 ``IfMachine=Hangup``).
        """
        if call.api_version == API_2008:
            return await self._detect_2008(call, behaviour)
        mode = call.machine_detection
        if not mode:
            return {}
        if call.async_amd:
            self.spawn(self._async_amd(call, behaviour, mode))
            return {}
        answered_by, took = self.detection(call, behaviour, mode)
        await self.wait(call, took)
        self.record_detection(call, answered_by, took, mode)
        return {"AnsweredBy": answered_by, "MachineDetectionDuration": str(int(took * 1000))}

    async def _detect_2008(self, call: Call, behaviour: Behaviour) -> dict[str, str] | None:
        """Seed 002: ``DialStatus`` says who answered; ``IfMachine=Hangup`` hangs up first."""
        if not call.if_machine:
            call.dial_status_2008 = "answered"
            return {"DialStatus": "answered"}
        mode = "DetectMessageEnd" if call.if_machine == "continue" else "Enable"
        answered_by, took = self.detection(call, behaviour, mode)
        await self.wait(call, took)
        self.record_detection(call, answered_by, took, mode)
        if not is_machine(answered_by):
            call.dial_status_2008 = "answered-human"
        elif call.if_machine == "continue":
            call.dial_status_2008 = "answered-machine"
        else:
            call.dial_status_2008 = "hangup-machine"
            self.finish(call, "completed", reason="IfMachine=Hangup")
            source = Source(call.url, call.method, extra={"DialStatus": "hangup-machine"})
            await TwimlRunner(self, call, behaviour).notify(source)
            return None
        return {"DialStatus": call.dial_status_2008}

    async def _async_amd(self, call: Call, behaviour: Behaviour, mode: str) -> None:
        """AsyncAmd: the TwiML runs at once, the verdict is posted when known."""
        answered_by, took = self.detection(call, behaviour, mode)
        await self.clock.sleep(took)
        if not call.is_live:
            return
        self.record_detection(call, answered_by, took, mode)
        params = {
            "CallSid": call.sid,
            "AccountSid": call.account_sid,
            "AnsweredBy": answered_by,
            "MachineDetectionDuration": str(int(took * 1000)),
        }
        url, method = call.async_amd_callback, call.async_amd_callback_method
        self.post_async(call, "amd-callback", url, method, params)

    async def _bridged(self, call: Call, behaviour: Behaviour) -> None:
        """A ``<Dial>`` leg once answered: its ``url`` document first, then the conversation."""
        if call.url:
            await TwimlRunner(self, call, behaviour).run(Source(call.url, call.method))
        while call.is_live:
            call.transcript.add("bridged", parent=call.parent_sid)
            try:
                await self.wait(call, None)
            except Interrupted:
                change = self.take_pending(call)
                if change is None or change.kind == "hangup":
                    break
                await self.run_twiml(call, behaviour, change.source)
        if call.is_live:
            self.end(call, "bridge ended")

    # ------------------------------------------------------------------ control
    def hangup(self, call: Call, status: str = "completed", reason: str = "") -> None:
        """Ask the running flow to hang up; it ends the call when it unwinds."""
        self.request_change(call, Pending("hangup", status=status, reason=reason))

    def terminate(self, call: Call, status: str, reason: str) -> None:
        """Hang up at once, so the API answer already shows the final status.

        The flow still unwinds afterwards: a ``<Dial>`` ends its legs and requests
        its action, as Twilio does when the caller goes away.
        """
        self.hangup(call, status, reason)
        self.end(call, reason)

    def press(self, call: Call, digits: str, who: str = "far end") -> None:
        """Keys pressed by the far end; only a running ``<Gather>`` hears them."""
        if call.gather_active:
            call.transcript.add("digits-pressed", digits=digits, by=who)
            for key in digits:
                call.digits.put_nowait(key)
        else:
            call.transcript.add("digits-ignored", digits=digits, by=who)

    def redirect(self, call: Call, source: Source) -> None:
        """Live redirect: before the answer it only changes what runs on answer."""
        if call.answered_sim is None:
            call.url, call.method, call.twiml = source.url, source.method, source.twiml
            call.transcript.add("redirect-before-answer", url=source.url)
            return
        call.transcript.add("redirect-requested", url=source.url, inline=bool(source.twiml))
        self.request_change(call, Pending("redirect", source=source))
