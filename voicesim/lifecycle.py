"""A call's life as the verbs and the REST fronts see it: the narrow interface.

Waiting in simulated time, moving the status forward (with its callbacks),
ending the call, and the changes asked for from outside (a redirect, a
hang-up, keys pressed by the far end). Anything that must change a running
call records a ``Pending`` change and sets the call's ``interrupt`` event;
every wait here is interruptible, so a looping ``<Play>`` or a ``<Gather>``
stops at once.
"""

from __future__ import annotations

import asyncio

from voicesim.calls import FINAL_STATUSES, Call, Interrupted, Pending, Source
from voicesim.clock import SimClock, utcnow
from voicesim.notifier import Notifier
from voicesim.phonebook import Behaviour


class Lifecycle:
    """Statuses, waits and changes of calls, shared by every verb and API."""

    def __init__(self, clock: SimClock, notifier: Notifier) -> None:
        self.clock = clock
        self.notifier = notifier

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

    async def wait_until(self, call: Call, moment: float) -> None:
        """Sleep until the simulated ``moment``, never waking before it; a change interrupts."""
        self.check(call)
        while (left := moment - self.clock.now()) > 0:
            await self.wait(call, left)

    async def wait_events(self, call: Call, events: list[asyncio.Event]) -> None:
        """Wait until one of ``events`` is set; a change on ``call`` interrupts."""
        self.check(call)
        waiters = [asyncio.ensure_future(event.wait()) for event in events]
        stopper = asyncio.ensure_future(call.interrupt.wait())
        done, pending = await asyncio.wait([*waiters, stopper], return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        if stopper in done:
            raise Interrupted

    @staticmethod
    def check(call: Call) -> None:
        if call.pending is not None:
            raise Interrupted

    @staticmethod
    def request_change(call: Call, change: Pending) -> None:
        """Record a change for the running flow; a hang-up is never overridden."""
        if call.pending is not None and call.pending.kind == "hangup":
            return
        call.pending = change
        call.interrupt.set()

    @staticmethod
    def take_pending(call: Call) -> Pending | None:
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
        if status in ("initiated", "ringing") and call.start_time is None:
            call.start_time = utcnow()  # Twilio's start_time is when the call is dialed
        call.transcript.add("status", status=status)
        event = {"in-progress": "answered"}.get(status, status)
        if status in FINAL_STATUSES:
            event = "completed"
        if call.status_callback and event in call.status_callback_events:
            self.notifier.status_callback(call, status)

    def answer(self, call: Call, behaviour: Behaviour) -> None:
        """Pick up: the far end talks for a while, TimeLimit starts counting."""
        call.answered_sim = self.clock.now()
        self.set_status(call, "in-progress")
        call.answered.set()
        self.after(call, behaviour.talk_for, "far end hung up")
        self.limit_time(call, call.time_limit)

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
        for listener in list(call.on_end):
            listener(call)
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

    @staticmethod
    def press(call: Call, digits: str, who: str = "far end") -> None:
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
