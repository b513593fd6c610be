"""The call state machine: ringing, answering, detection, hang-ups, callbacks.

Each call runs as one asyncio task that walks queued → initiated → ringing →
in-progress → a final status. Anything that must change a running call from
outside (an API update, the far end hanging up, a time limit) records a
``Pending`` change and sets the call's ``interrupt`` event; every wait of the
call is interruptible, so a looping ``<Play>`` or a ``<Gather>`` stops at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections import OrderedDict
from typing import Any

from voicesim.callbacks import OrderedChannel, WebhookSender
from voicesim.calls import (
    FINAL_STATUSES,
    SIP_CODES,
    Call,
    Pending,
    Source,
    new_sid,
)
from voicesim.clock import SimClock, rfc2822, utcnow
from voicesim.phonebook import Behaviour, Phonebook
from voicesim.transcript import Transcript

log = logging.getLogger(__name__)

STUDIO_FLOW = re.compile(r"^https://webhooks\.twilio\.com/v1/Accounts/[^/]+/Flows/FW", re.I)
HUMAN_DETECTION = 2.0
MACHINE_START_DETECTION = 3.0
FAX_DETECTION = 1.0
BEEP_LENGTH = 0.5
SILENCE_AFTER_GREETING = 2.0
DIGIT_LENGTH = 0.1


class Interrupted(Exception):
    """Raised inside a call's flow when a pending change must take over."""


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
        self.webhooks: WebhookSender | None = None
        self.channels: dict[str, OrderedChannel] = {}

    async def startup(self) -> None:
        self.webhooks = WebhookSender(self.auth_token)

    async def shutdown(self) -> None:
        for call in list(self.calls.values()):
            if call.task and not call.task.done():
                call.task.cancel()
        if self.webhooks:
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

    def live_count(self) -> int:
        return sum(1 for call in self.calls.values() if call.is_live)

    # ------------------------------------------------------------------ waiting
    async def wait(self, call: Call, sim_seconds: float | None) -> None:
        """Sleep simulated seconds (``None``: forever); raise ``Interrupted`` on a change."""
        if call.pending is not None:
            raise Interrupted
        if sim_seconds is not None and sim_seconds <= 0:
            return
        if sim_seconds is None:
            await call.interrupt.wait()
            raise Interrupted
        try:
            await asyncio.wait_for(call.interrupt.wait(), self.clock.real_seconds(sim_seconds))
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
        change = call.pending
        if change is not None and change.kind == "redirect":
            call.pending = None
            call.interrupt.clear()
        return change

    def after(self, call: Call, sim_seconds: float, reason: str, status: str = "completed") -> None:
        """Hang the call up after ``sim_seconds`` (far end leaving, TimeLimit)."""
        loop = asyncio.get_running_loop()
        handle = loop.call_later(
            self.clock.real_seconds(sim_seconds),
            lambda: (
                call.is_live
                and self.request_change(call, Pending("hangup", status=status, reason=reason))
            ),
        )
        call.timers.append(handle)

    # ------------------------------------------------------------------ status
    def set_status(self, call: Call, status: str, event: str | None = None, **extra: str) -> None:
        """Move the call forward and fire the status callback if its event was asked for."""
        call.status = status
        call.touch()
        call.transcript.add("status", status=status)
        event = event or status
        if event in FINAL_STATUSES:
            event = "completed"
        if event == "in-progress":
            event = "answered"
        if call.status_callback and event in call.status_callback_events:
            self.status_callback(call, status, extra)

    def base_params(self, call: Call, status: str | None = None) -> dict[str, str]:
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

    def status_callback(self, call: Call, status: str, extra: dict[str, str]) -> None:
        params = self.base_params(call, status)
        params.update(
            {
                "Timestamp": rfc2822(utcnow()) or "",
                "CallbackSource": "call-progress-events",
                "SequenceNumber": str(call.callback_seq),
            }
        )
        call.callback_seq += 1
        if status in FINAL_STATUSES:
            params["SipResponseCode"] = str(SIP_CODES[status])
            params["CallDuration"] = str(call.duration or 0)
            params["Duration"] = str(call.duration_minutes())
        if call.answered_by:
            params["AnsweredBy"] = call.answered_by
        params.update(extra)
        url, method = call.status_callback, call.status_callback_method
        self.post_async(call, "status-callback", url, method, params)

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

    async def finish(self, call: Call, status: str, reason: str = "") -> None:
        """Put the call in its final state, then fire the completed callback."""
        if call.status in FINAL_STATUSES:
            return
        for handle in call.timers:
            handle.cancel()
        call.timers.clear()
        call.ended_sim = self.clock.now()
        if call.answered_sim is not None and status == "completed":
            call.duration = max(0, round(call.ended_sim - call.answered_sim))
            call.end_time = utcnow()
        else:
            call.duration = 0
            call.end_time = utcnow() if status != "canceled" else None
        if reason:
            call.transcript.add("hangup", reason=reason)
        self.set_status(call, status)
        call.done.set()
        call.answered.set()  # release anyone waiting on an answer that will never come

    # ------------------------------------------------------------------ life
    async def _life(self, call: Call) -> None:
        try:
            if call.direction == "inbound":
                await self._inbound(call)
            else:
                await self._outbound(call)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("call %s crashed", call.sid)
            call.transcript.add("error", message="simulator error")
            await self.finish(call, "failed" if call.answered_sim is None else "completed")
        finally:
            if call.status not in FINAL_STATUSES:
                await self.finish(call, "completed")

    def _final_of_pending(self, call: Call) -> tuple[str, str]:
        change = call.pending
        status = change.status if change else "completed"
        if call.answered_sim is None and status == "completed":
            status = "canceled"
        return status, change.reason if change else ""

    async def _outbound(self, call: Call) -> None:
        behaviour = self.phonebook.lookup(call.to)
        call.transcript.add("far-end", behaviour=behaviour.to_dict())
        try:
            await self.wait(call, 0.05)
            self.set_status(call, "initiated")
            await self.wait(call, 0.2)
            if behaviour.kind == "failed":
                await self.finish(call, "failed", reason="unreachable")
                return
            self.set_status(call, "ringing")
            if behaviour.kind == "busy":
                await self.wait(call, min(1.0, call.timeout))
                await self.finish(call, "busy", reason="busy")
                return
            if behaviour.kind == "no-answer" or behaviour.answer_after >= call.timeout:
                await self.wait(call, call.timeout)
                await self.finish(call, "no-answer", reason="ring timeout")
                return
            await self.wait(call, behaviour.answer_after)
        except Interrupted:
            status, reason = self._final_of_pending(call)
            await self.finish(call, status, reason=reason or "hung up before answer")
            return
        await self._answer(call, behaviour)
        if call.direction == "outbound-dial":
            await self._bridged(call)
        else:
            await self._connected(call, behaviour)

    async def _inbound(self, call: Call) -> None:
        behaviour = self.phonebook.lookup(call.from_)
        call.transcript.add("far-end", behaviour=behaviour.to_dict())
        self.set_status(call, "ringing")
        from voicesim.twiml_runner import TwimlRunner

        runner = TwimlRunner(self, call, behaviour)
        await runner.run(Source(url=call.url, method=call.method, twiml=call.twiml))
        await self._end_after_flow(call)

    async def _answer(self, call: Call, behaviour: Behaviour) -> None:
        """Pick up: the far end talks for a while, TimeLimit starts counting."""
        call.answered_sim = self.clock.now()
        call.start_time = utcnow()
        self.set_status(call, "in-progress")
        call.answered.set()
        self.after(call, behaviour.talk_for, "far end hung up")
        self.after(call, call.time_limit, "time limit reached")

    def answer_inbound(self, call: Call, behaviour: Behaviour) -> None:
        call.answered_sim = self.clock.now()
        call.start_time = utcnow()
        self.set_status(call, "in-progress")
        call.answered.set()
        self.after(call, behaviour.talk_for, "far end hung up")
        self.after(call, call.time_limit, "time limit reached")

    async def _send_digits(self, call: Call) -> None:
        """SendDigits: DTMF to the far end once connected; ``w``/``W`` pause 0.5 s/1 s."""
        for key in call.send_digits:
            if key == "w":
                await self.wait(call, 0.5)
            elif key == "W":
                await self.wait(call, 1.0)
            else:
                await self.wait(call, DIGIT_LENGTH)
        call.transcript.add("digits-sent", digits=call.send_digits)

    def detection(self, call: Call, behaviour: Behaviour, mode: str) -> tuple[str, float]:
        """(AnsweredBy, seconds it took) for ``Enable`` or ``DetectMessageEnd``."""
        if behaviour.kind == "machine":
            if mode == "DetectMessageEnd":
                if behaviour.beep:
                    result, took = "machine_end_beep", behaviour.greeting + BEEP_LENGTH
                else:
                    result, took = "machine_end_silence", behaviour.greeting + 2.0
            else:
                result, took = "machine_start", min(MACHINE_START_DETECTION, behaviour.greeting)
        elif behaviour.kind == "fax":
            result, took = "fax", FAX_DETECTION
        else:
            result, took = "human", HUMAN_DETECTION
        if took > call.machine_detection_timeout:
            return "unknown", call.machine_detection_timeout
        return result, took

    async def _connected(self, call: Call, behaviour: Behaviour) -> None:
        """After the answer of an API call: SendDigits, AMD, then the TwiML."""
        from voicesim.twiml_runner import TwimlRunner

        extra: dict[str, str] = {}
        try:
            if call.send_digits:
                await self._send_digits(call)
            if call.if_machine:
                mode = "DetectMessageEnd" if call.if_machine == "continue" else "Enable"
                answered_by, took = self.detection(call, behaviour, mode)
                await self.wait(call, took)
                call.answered_by = answered_by
                call.transcript.add("amd", answered_by=answered_by, mode=mode, took=took)
                is_machine = answered_by.startswith("machine") or answered_by == "fax"
                if is_machine and call.if_machine == "hangup":
                    call.dial_status_2008 = "hangup-machine"
                    await self.finish(call, "completed", reason="IfMachine=Hangup")
                    source = Source(url=call.url, method=call.method)
                    extra = {"DialStatus": "hangup-machine"}
                    await TwimlRunner(self, call, behaviour).notify_only(source, extra)
                    return
                call.dial_status_2008 = "answered-machine" if is_machine else "answered-human"
                extra["DialStatus"] = call.dial_status_2008
            elif call.api_version == "2008-08-01":
                call.dial_status_2008 = "answered"
                extra["DialStatus"] = "answered"
            elif call.machine_detection and not call.async_amd:
                answered_by, took = self.detection(call, behaviour, call.machine_detection)
                await self.wait(call, took)
                call.answered_by = answered_by
                call.transcript.add("amd", answered_by=answered_by, mode=call.machine_detection)
                extra["AnsweredBy"] = answered_by
                extra["MachineDetectionDuration"] = str(int(took * 1000))
            elif call.machine_detection:
                asyncio.get_running_loop().create_task(self._async_amd(call, behaviour))
        except Interrupted:
            change = self.take_pending(call)
            if change is None or change.kind == "hangup":
                status, reason = self._final_of_pending(call)
                await self.finish(call, status, reason=reason)
                return
            runner = TwimlRunner(self, call, behaviour)
            await runner.run(change.source)
            await self._end_after_flow(call)
            return
        runner = TwimlRunner(self, call, behaviour)
        source = Source(url=call.url, method=call.method, twiml=call.twiml, extra=extra)
        await runner.run(source)
        await self._end_after_flow(call)

    async def _async_amd(self, call: Call, behaviour: Behaviour) -> None:
        """AsyncAmd: the TwiML runs at once, the verdict is posted when known."""
        answered_by, took = self.detection(call, behaviour, call.machine_detection or "Enable")
        await self.clock.sleep(took)
        if call.status in FINAL_STATUSES:
            return
        call.answered_by = answered_by
        call.transcript.add("amd", answered_by=answered_by, mode=call.machine_detection)
        params = {
            "CallSid": call.sid,
            "AccountSid": call.account_sid,
            "AnsweredBy": answered_by,
            "MachineDetectionDuration": str(int(took * 1000)),
        }
        url = call.async_amd_callback
        self.post_async(call, "amd-callback", url, call.async_amd_callback_method, params)

    async def _end_after_flow(self, call: Call) -> None:
        if call.status in FINAL_STATUSES:
            return
        if call.pending is not None and call.pending.kind == "hangup":
            status, reason = self._final_of_pending(call)
            await self.finish(call, status, reason=reason)
        else:
            await self.finish(call, "completed", reason="end of TwiML")

    async def _bridged(self, call: Call) -> None:
        """A ``<Dial>`` leg once answered: optional whisper URL, then talk until someone leaves."""
        from voicesim.twiml_runner import TwimlRunner

        behaviour = self.phonebook.lookup(call.to)
        if call.url:
            runner = TwimlRunner(self, call, behaviour)
            await runner.run(Source(url=call.url, method=call.method), whisper=True)
            if call.status in FINAL_STATUSES or (call.pending and call.pending.kind == "hangup"):
                await self._end_after_flow(call)
                return
        call.transcript.add("bridged", parent=call.parent_sid)
        with contextlib.suppress(Interrupted):
            await self.wait(call, None)
        status, reason = self._final_of_pending(call)
        await self.finish(call, status, reason=reason)

    # ------------------------------------------------------------------ control
    def hangup(self, call: Call, status: str = "completed", reason: str = "") -> None:
        self.request_change(call, Pending("hangup", status=status, reason=reason))

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

    @staticmethod
    def is_studio_flow(url: str | None) -> bool:
        return bool(url and STUDIO_FLOW.match(url))

    @staticmethod
    def call_token() -> str:
        return secrets.token_urlsafe(24)

    def wall_now(self) -> float:
        return time.time()
