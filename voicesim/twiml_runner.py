"""Executes TwiML documents for one call, verb by verb.

The runner fetches documents (signed, with Twilio's parameters), falls back to
the call's FallbackUrl on failure, and plays each verb in simulated time so a
looping ``<Play>`` really takes time and can be interrupted by a live update.
A verb answers ``None`` to go on with the next verb, or a ``Source`` that
replaces the current document (Redirect, Gather/Dial actions).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urljoin
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from voicesim.calls import Call, Interrupted, Source
from voicesim.numbers import to_e164
from voicesim.phonebook import Behaviour

if TYPE_CHECKING:
    from voicesim.engine import Engine

WORDS_PER_SECOND = 2.5
PLAY_LENGTH = 3.0
APPLICATION_ERROR = "An application error has occurred. Goodbye."
STUDIO_FLOW = re.compile(r"^https://webhooks\.twilio\.com/v1/Accounts/[^/]+/Flows/FW", re.I)
#: DialCallStatus when no leg answered: the first of these any leg ended with
UNANSWERED_DIAL = ("busy", "no-answer", "failed", "canceled")


class Stop(Exception):
    """The document ended the call (Hangup, Reject, a fatal fetch error)."""


class DocumentError(Exception):
    """A document could not be fetched (11200) or parsed (12100)."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(detail)
        self.code = code


def is_studio_flow(url: str | None) -> bool:
    """Seed 001: a Studio Flow webhook; it only takes calls that are still ringing."""
    return bool(url and STUDIO_FLOW.match(url))


def parse_twiml(text: str) -> Element:
    """Parse a TwiML document safely; anything but ``<Response>`` is a parse failure."""
    try:
        root = fromstring(text.strip().encode())
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise DocumentError(12100, f"invalid XML: {exc}") from exc
    if root.tag != "Response":
        raise DocumentError(12100, f"root element is <{root.tag}>, not <Response>")
    return root


def say_seconds(text: str) -> float:
    return max(0.5, len(text.split()) / WORDS_PER_SECOND)


def loops(element: Element) -> int | None:
    """The ``loop`` attribute; ``None`` means forever (``loop="0"``)."""
    value = int(number(element.get("loop"), 1))
    return None if value <= 0 else value


def number(value: str | None, default: float) -> float:
    """A numeric attribute, ``default`` when absent or not a number."""
    try:
        result = float(value) if value not in (None, "") else default
    except ValueError:
        return default
    return default if math.isnan(result) else result


class TwimlRunner:
    """Runs documents on one call until the flow ends, is redirected or hung up."""

    def __init__(self, engine: Engine, call: Call, behaviour: Behaviour) -> None:
        self.engine = engine
        self.call = call
        self.behaviour = behaviour
        self.log = call.transcript

    # ----------------------------------------------------------------- driving
    async def run(self, source: Source | None) -> None:
        """Run from ``source``; a redirect update restarts from its new source."""
        current = source
        while current is not None and self.call.is_live:
            try:
                current = await self._run_source(current)
            except Interrupted:
                change = self.engine.take_pending(self.call)
                if change is None or change.kind == "hangup":
                    return
                self.log.add("redirected", url=change.source.url, inline=bool(change.source.twiml))
                current = change.source
            except Stop:
                return

    async def notify(self, source: Source) -> None:
        """Request a URL whose answer does not matter (2008 ``hangup-machine``, Dial action)."""
        with contextlib.suppress(DocumentError):  # the transcript has the failed fetch
            await self.request(source.url, source.method, source.extra, note="answer ignored")

    def params(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        params = self.engine.base_params(self.call)
        params["CallToken"] = secrets.token_urlsafe(24)
        if extra:
            params.update(extra)
        return params

    async def request(
        self, url: str, method: str, extra: dict[str, str], note: str | None = None
    ) -> str:
        """Fetch ``url`` signed with the call's parameters; its body or a ``DocumentError``."""
        if is_studio_flow(url):
            self.log.add("studio-flow", url=url, note="the flow is not simulated: empty document")
            return "<Response/>"
        answer = await self.engine.webhooks.send(url, method, self.params(extra))
        self.log.add(
            "fetch",
            url=url,
            method=method.upper(),
            http_status=answer.status,
            error=answer.error,
            note=note,
        )
        if not answer.ok:
            raise DocumentError(11200, answer.error or f"HTTP {answer.status}")
        return answer.text

    async def _run_source(self, source: Source) -> Source | None:
        root, doc_url = await self.load(source)
        return await self.execute(list(root), doc_url)

    async def load(self, source: Source) -> tuple[Element, str | None]:
        """Fetch and parse, with the FallbackUrl on failure; a final failure ends the call."""
        call = self.call
        try:
            if source.twiml is not None:
                self.log.add("twiml", inline=True, length=len(source.twiml))
                return parse_twiml(source.twiml), call.url
            return await self._fetch(source.url, source.method, source.extra), source.url
        except DocumentError as error:
            failure = error
        self.log.add("error", code=failure.code, message=str(failure), url=source.url)
        if call.fallback_url:
            extra = {**source.extra, "ErrorCode": str(failure.code), "ErrorUrl": source.url or ""}
            try:
                root = await self._fetch(call.fallback_url, call.fallback_method, extra)
            except DocumentError as error:
                failure = error
                self.log.add("error", code=error.code, message=str(error), url=call.fallback_url)
            else:
                self.log.add("fallback", url=call.fallback_url)
                return root, call.fallback_url
        call.error_code = failure.code
        self.log.add("say", text=APPLICATION_ERROR)
        status = "completed" if call.answered_sim is not None else "failed"
        self.engine.finish(call, status, reason=f"error {failure.code}")
        raise Stop

    async def _fetch(self, url: str | None, method: str, extra: dict[str, str]) -> Element:
        if not url:
            raise DocumentError(11200, "no URL to fetch")
        text = await self.request(url, method, extra)
        self.engine.check(self.call)
        return parse_twiml(text)

    def resolve(self, doc_url: str | None, target: str | None) -> str:
        target = (target or "").strip()
        return urljoin(doc_url, target) if doc_url else target

    # ----------------------------------------------------------------- verbs
    async def execute(self, verbs: list[Element], doc_url: str | None) -> Source | None:
        call = self.call
        if call.answered_sim is None and not (verbs and verbs[0].tag == "Reject"):
            self.engine.answer(call, self.behaviour)  # an inbound call is answered by its TwiML
        for verb in verbs:
            if not call.is_live:
                raise Stop
            handler = getattr(self, f"verb_{verb.tag.lower()}", None)
            if handler is None:
                self.log.add("verb", verb=verb.tag, note="not simulated, skipped")
                continue
            self.log.add("verb", verb=verb.tag)
            next_source = await handler(verb, doc_url)
            if next_source is not None:
                return next_source
        return None

    async def verb_say(self, verb: Element, doc_url: str | None) -> None:
        text = (verb.text or "").strip()
        count = loops(verb)
        played = 0
        while count is None or played < count:
            self.log.add("say", text=text, voice=verb.get("voice"), language=verb.get("language"))
            await self.engine.wait(self.call, say_seconds(text))
            played += 1

    async def verb_play(self, verb: Element, doc_url: str | None) -> None:
        digits = verb.get("digits")
        if digits:
            self.log.add("digits-sent", digits=digits)
            await self.engine.wait(self.call, len(digits) * 0.1)
            return
        url = self.resolve(doc_url, verb.text)
        count = loops(verb)
        self.log.add("play", url=url, loop="forever" if count is None else count)
        played = 0
        try:
            while count is None or played < count:
                await self.engine.wait(self.call, PLAY_LENGTH)
                played += 1
        except Interrupted:
            self.log.add("play-interrupted", url=url, plays_done=played)
            raise

    async def verb_pause(self, verb: Element, doc_url: str | None) -> None:
        length = number(verb.get("length"), 1.0)
        self.log.add("pause", length=length)
        await self.engine.wait(self.call, length)

    async def verb_hangup(self, verb: Element, doc_url: str | None) -> None:
        self.engine.finish(self.call, "completed", reason="<Hangup>")
        raise Stop

    async def verb_reject(self, verb: Element, doc_url: str | None) -> None:
        reason = verb.get("reason", "rejected")
        if self.call.answered_sim is not None:
            status = "completed"
        else:
            status = "busy" if reason == "busy" else "failed"
        self.engine.finish(self.call, status, reason=f"<Reject reason={reason}>")
        raise Stop

    async def verb_redirect(self, verb: Element, doc_url: str | None) -> Source:
        url = self.resolve(doc_url, verb.text)
        self.log.add("redirect", url=url)
        return Source(url=url, method=verb.get("method", "POST"))

    # ----------------------------------------------------------------- gather
    async def wait_digit(self, sim_seconds: float | None) -> str | None:
        """Next key pressed within ``sim_seconds`` (``None`` on timeout)."""
        call = self.call
        self.engine.check(call)
        if not call.digits.empty():
            return call.digits.get_nowait()
        getter = asyncio.ensure_future(call.digits.get())
        stopper = asyncio.ensure_future(call.interrupt.wait())
        timeout = None if sim_seconds is None else self.engine.clock.real_seconds(sim_seconds)
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

    async def verb_gather(self, verb: Element, doc_url: str | None) -> Source | None:
        call = self.call
        num_digits = int(number(verb.get("numDigits"), 0))
        finish_key = verb.get("finishOnKey", "#")
        timeout = number(verb.get("timeout"), 5.0)
        action = verb.get("action")
        method = verb.get("method", "POST")
        self.log.add(
            "gather",
            num_digits=num_digits or None,
            finish_on_key=finish_key,
            timeout=timeout,
            action=action,
        )
        while not call.digits.empty():
            call.digits.get_nowait()
        call.gather_active = True
        self._press_as_the_phonebook_says(call.gathers)
        call.gathers += 1
        try:
            first = await self._prompts(list(verb), doc_url)
            digits, finished_on = await self._collect(first, num_digits, finish_key, timeout)
        finally:
            call.gather_active = False
        self.log.add("gather-result", digits=digits, finished_on_key=finished_on)
        target = self.resolve(doc_url, action) if action else doc_url
        if not digits or not target:
            return None
        extra = {"Digits": digits}
        if finished_on:
            extra["FinishedOnKey"] = finished_on
        return Source(url=target, method=method, extra=extra)

    def _press_as_the_phonebook_says(self, index: int) -> None:
        """The far end presses its keys for the ``index``-th Gather a moment after it starts."""
        presses = self.behaviour.digits
        keys = presses[min(index, len(presses) - 1)] if presses else ""
        if not keys:
            return
        call = self.call

        def press() -> None:
            if call.gather_active:
                self.engine.press(call, keys, who="phonebook")

        delay = self.engine.clock.real_seconds(self.behaviour.press_after)
        call.timers.append(asyncio.get_running_loop().call_later(delay, press))

    async def _prompts(self, children: list[Element], doc_url: str | None) -> str | None:
        """Nested Say/Play/Pause; the first key pressed stops them."""
        for child in children:
            count = loops(child)
            if child.tag == "Say":
                text = (child.text or "").strip()
                seconds = None if count is None else say_seconds(text) * count
                self.log.add("say", text=text, in_gather=True)
            elif child.tag == "Play":
                url = self.resolve(doc_url, child.text)
                seconds = None if count is None else PLAY_LENGTH * count
                self.log.add("play", url=url, in_gather=True)
            elif child.tag == "Pause":
                seconds = number(child.get("length"), 1.0)
                self.log.add("pause", length=seconds, in_gather=True)
            else:
                continue
            key = await self.wait_digit(seconds)
            if key is not None:
                return key
        return None

    async def _collect(
        self, first: str | None, num_digits: int, finish_key: str, timeout: float
    ) -> tuple[str, str | None]:
        """Keys until ``finishOnKey``, ``numDigits`` or ``timeout`` seconds of silence."""
        digits = ""
        key = first
        while True:
            if key is None:
                key = await self.wait_digit(timeout)
                if key is None:
                    return digits, None
            if finish_key and key == finish_key:
                return digits, key
            digits += key
            if num_digits and len(digits) >= num_digits:
                return digits, None
            key = None

    # ----------------------------------------------------------------- dial
    async def verb_dial(self, verb: Element, doc_url: str | None) -> Source | None:
        """Ring every noun at once; the first to answer is bridged, the others canceled."""
        engine = self.engine
        action = self.resolve(doc_url, verb.get("action")) if verb.get("action") else None
        method = verb.get("method", "POST")
        legs = self._start_legs(verb, doc_url)
        winner: Call | None = None
        try:
            winner = await self._first_answer(legs)
            if winner is not None:
                for leg in legs:
                    if leg is not winner and leg.is_live:
                        engine.hangup(leg, "canceled", reason="another leg answered")
                self.log.add("leg-connected", leg=winner.sid)
                await self._wait_events([winner.done])
        except Interrupted:
            # Twilio ends the legs and requests the action before anything else.
            for leg in legs:
                if leg.is_live:
                    engine.hangup(leg, reason="parent call redirected or hung up")
            await asyncio.gather(*(leg.done.wait() for leg in legs))
            self._log_legs(legs)
            if action:
                await self.notify(Source(action, method, extra=self._dial_result(legs, winner)))
            raise
        self._log_legs(legs)
        result = self._dial_result(legs, winner)
        self.log.add("dial-result", **result)
        return Source(action, method, extra=result) if action else None

    def _start_legs(self, verb: Element, doc_url: str | None) -> list[Call]:
        call = self.call
        timeout = number(verb.get("timeout"), 30.0)
        time_limit = number(verb.get("timeLimit"), 14400.0)
        caller_id = verb.get("callerId") or call.from_
        legs: list[Call] = []
        for target, noun in self._dial_targets(verb):
            to = to_e164(target) if noun.tag in ("Number", "Dial") else target
            if not to:
                self.log.add("error", code=13223, message=f"Dial: invalid number {target!r}")
                continue
            events = (noun.get("statusCallbackEvent") or "completed").replace(",", " ").split()
            leg = self.engine.new_call(
                to=to,
                from_=caller_id,
                direction="outbound-dial",
                api_version=call.api_version,
                parent_sid=call.sid,
                status_callback=noun.get("statusCallback"),
                status_callback_method=noun.get("statusCallbackMethod", "POST"),
                status_callback_events=frozenset(events),
                timeout=timeout,
                time_limit=time_limit,
                url=self.resolve(doc_url, noun.get("url")) if noun.get("url") else None,
                method=noun.get("method", "POST"),
                send_digits=noun.get("sendDigits", ""),
            )
            call.legs.append(leg.sid)
            self.engine.start(leg)
            self.log.add("leg-started", leg=leg.sid, to=to, noun=noun.tag)
            legs.append(leg)
        return legs

    async def _first_answer(self, legs: list[Call]) -> Call | None:
        """The first leg to answer, or ``None`` once every leg has ended unanswered."""
        while True:
            winner = next((leg for leg in legs if leg.status == "in-progress"), None)
            ringing = [leg.answered for leg in legs if not leg.done.is_set()]
            if winner is not None or not ringing:
                return winner
            await self._wait_events(ringing)

    def _log_legs(self, legs: list[Call]) -> None:
        for leg in legs:
            self.log.add("leg-ended", leg=leg.sid, status=leg.status, duration=leg.duration)

    async def _wait_events(self, events: list[asyncio.Event]) -> None:
        """Wait until one of ``events`` is set; a change on the parent call interrupts."""
        self.engine.check(self.call)
        waiters = [asyncio.ensure_future(event.wait()) for event in events]
        stopper = asyncio.ensure_future(self.call.interrupt.wait())
        done, pending = await asyncio.wait([*waiters, stopper], return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        if stopper in done:
            raise Interrupted

    def _dial_targets(self, verb: Element) -> list[tuple[str, Element]]:
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
                self.log.add("verb", verb=f"Dial/{noun.tag}", note="noun not simulated")
        return targets

    @staticmethod
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
