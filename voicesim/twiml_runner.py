"""Executes TwiML documents for one call, verb by verb.

The runner fetches documents (signed, with Twilio's parameters), falls back to
the call's FallbackUrl on failure, and plays each verb in simulated time so a
looping ``<Play>`` really takes time and can be interrupted by a live update.
A verb answers ``None`` to go on with the next verb, or a ``Source`` that
replaces the current document (Redirect, Gather/Dial actions).
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING
from urllib.parse import urljoin
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from voicesim.calls import FINAL_STATUSES, Call, Source
from voicesim.engine import Interrupted
from voicesim.numbers import to_e164
from voicesim.phonebook import Behaviour

if TYPE_CHECKING:
    from voicesim.engine import Engine

WORDS_PER_SECOND = 2.5
PLAY_LENGTH = 3.0
APPLICATION_ERROR = "An application error has occurred. Goodbye."


class Stop(Exception):
    """The document ended the call (Hangup, Reject, a fatal fetch error)."""


class DocumentError(Exception):
    """A document could not be fetched (11200) or parsed (12100)."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(detail)
        self.code = code


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


def loops(element: Element, default: int = 1) -> int | None:
    """The ``loop`` attribute; ``None`` means forever (``loop="0"``)."""
    try:
        value = int(element.get("loop", default))
    except ValueError:
        value = default
    return None if value <= 0 else value


class TwimlRunner:
    """Runs documents on one call until the flow ends, is redirected or hung up."""

    def __init__(self, engine: Engine, call: Call, behaviour: Behaviour) -> None:
        self.engine = engine
        self.call = call
        self.behaviour = behaviour
        self.log = call.transcript

    # ----------------------------------------------------------------- driving
    async def run(self, source: Source | None, whisper: bool = False) -> None:
        """Run from ``source``; a redirect update restarts from its new source."""
        current = source
        while current is not None and self.call.status not in FINAL_STATUSES:
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

    async def notify_only(self, source: Source, extra: dict[str, str]) -> None:
        """Request a URL whose answer does not matter (2008 ``hangup-machine``)."""
        params = self.params(extra)
        answer = await self.engine.webhooks.send(source.url, source.method, params)
        self.log.add(
            "fetch",
            url=source.url,
            method=source.method,
            http_status=answer.status,
            error=answer.error,
            note="notification only, answer ignored",
        )

    def params(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        params = self.engine.base_params(self.call)
        params["CallToken"] = self.engine.call_token()
        if extra:
            params.update(extra)
        return params

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
            failed_url = source.url
            first = error
        self.log.add("error", code=first.code, message=str(first), url=failed_url)
        if call.fallback_url and source.allow_fallback:
            extra = dict(source.extra)
            extra.update({"ErrorCode": str(first.code), "ErrorUrl": failed_url or ""})
            try:
                root = await self._fetch(call.fallback_url, call.fallback_method, extra)
                self.log.add("fallback", url=call.fallback_url)
                return root, call.fallback_url
            except DocumentError as error:
                self.log.add("error", code=error.code, message=str(error), url=call.fallback_url)
                first = error
        call.error_code = first.code
        self.log.add("say", text=APPLICATION_ERROR)
        status = "completed" if call.answered_sim is not None else "failed"
        await self.engine.finish(call, status, reason=f"error {first.code}")
        raise Stop

    async def _fetch(self, url: str | None, method: str, extra: dict[str, str]) -> Element:
        if not url:
            raise DocumentError(11200, "no URL to fetch")
        params = self.params(extra)
        answer = await self.engine.webhooks.send(url, method, params)
        self.log.add(
            "fetch", url=url, method=method.upper(), http_status=answer.status, error=answer.error
        )
        self.engine.check(self.call)
        if not answer.ok:
            raise DocumentError(11200, answer.error or f"HTTP {answer.status}")
        return parse_twiml(answer.text)

    def resolve(self, doc_url: str | None, target: str) -> str:
        target = (target or "").strip()
        return urljoin(doc_url, target) if doc_url else target

    # ----------------------------------------------------------------- verbs
    async def execute(self, verbs: list[Element], doc_url: str | None) -> Source | None:
        for verb in verbs:
            if self.call.status in FINAL_STATUSES:
                raise Stop
            if verb.tag != "Reject" and self.call.answered_sim is None:
                self.engine.answer_inbound(self.call, self.behaviour)
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
        url = self.resolve(doc_url, verb.text or "")
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
        length = _number(verb.get("length"), 1.0)
        self.log.add("pause", length=length)
        await self.engine.wait(self.call, length)

    async def verb_hangup(self, verb: Element, doc_url: str | None) -> None:
        await self.engine.finish(self.call, "completed", reason="<Hangup>")
        raise Stop

    async def verb_reject(self, verb: Element, doc_url: str | None) -> None:
        reason = verb.get("reason", "rejected")
        if self.call.answered_sim is None:
            await self.engine.finish(
                self.call,
                "busy" if reason == "busy" else "failed",
                reason=f"<Reject reason={reason}>",
            )
        else:
            await self.engine.finish(self.call, "completed", reason=f"<Reject reason={reason}>")
        raise Stop

    async def verb_redirect(self, verb: Element, doc_url: str | None) -> Source:
        url = self.resolve(doc_url, verb.text or "")
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
        if getter in done:
            key = getter.result()
            if stopper in done:
                call.digits.put_nowait(key)
                raise Interrupted
            return key
        if stopper in done:
            raise Interrupted
        return None

    async def verb_gather(self, verb: Element, doc_url: str | None) -> Source | None:
        call = self.call
        num_digits = int(_number(verb.get("numDigits"), 0))
        finish_key = verb.get("finishOnKey", "#")
        timeout = _number(verb.get("timeout"), 5.0)
        action = verb.get("action")
        method = verb.get("method", "POST")
        index = call.gathers
        call.gathers += 1
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
        presses = self.behaviour.digits
        keys = presses[min(index, len(presses) - 1)] if presses else ""
        if keys:
            handle = asyncio.get_running_loop().call_later(
                self.engine.clock.real_seconds(self.behaviour.press_after),
                lambda: call.gather_active and self.engine.press(call, keys, who="phonebook"),
            )
            call.timers.append(handle)
        try:
            first = await self._prompts(list(verb))
            digits, finished_on = await self._collect(first, num_digits, finish_key, timeout)
        finally:
            call.gather_active = False
        self.log.add("gather-result", digits=digits, finished_on_key=finished_on)
        if not digits:
            return None
        target = self.resolve(doc_url, action) if action else doc_url
        if not target:
            return None
        extra = {"Digits": digits}
        if finished_on:
            extra["FinishedOnKey"] = finished_on
        return Source(url=target, method=method, extra=extra)

    async def _prompts(self, children: list[Element]) -> str | None:
        """Nested Say/Play/Pause; the first key pressed stops them."""
        for child in children:
            if child.tag == "Say":
                text = (child.text or "").strip()
                count = loops(child)
                seconds = None if count is None else say_seconds(text) * count
                self.log.add("say", text=text, in_gather=True)
            elif child.tag == "Play":
                url = (child.text or "").strip()
                count = loops(child)
                seconds = None if count is None else PLAY_LENGTH * count
                self.log.add("play", url=url, in_gather=True)
            elif child.tag == "Pause":
                seconds = _number(child.get("length"), 1.0)
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
        engine, call = self.engine, self.call
        timeout = _number(verb.get("timeout"), 30.0)
        time_limit = _number(verb.get("timeLimit"), 14400.0)
        caller_id = verb.get("callerId") or call.from_
        action = verb.get("action")
        method = verb.get("method", "POST")
        targets = self._dial_targets(verb)
        legs: list[Call] = []
        for target, noun in targets:
            number = to_e164(target) if noun.tag in ("Number", "Dial") else target
            if not number:
                self.log.add("error", code=13223, message=f"Dial: invalid number {target!r}")
                continue
            events = (noun.get("statusCallbackEvent") or "completed").replace(",", " ").split()
            leg = engine.new_call(
                to=number,
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
            engine.start(leg)
            self.log.add("leg-started", leg=leg.sid, to=number, noun=noun.tag)
            legs.append(leg)
        winner: Call | None = None
        try:
            while legs:
                winner = next((leg for leg in legs if leg.status == "in-progress"), None)
                if winner or all(leg.done.is_set() for leg in legs):
                    break
                await self._wait_events([leg.answered for leg in legs if not leg.done.is_set()])
            if winner:
                for leg in legs:
                    if leg is not winner and leg.is_live:
                        engine.hangup(leg, "canceled", reason="another leg answered")
                self.log.add("leg-connected", leg=winner.sid)
                await self._wait_events([winner.done])
        except Interrupted:
            for leg in legs:
                if leg.is_live:
                    engine.hangup(leg, "completed", reason="parent call redirected or hung up")
            await asyncio.gather(*(leg.done.wait() for leg in legs))
            for leg in legs:
                self.log.add("leg-ended", leg=leg.sid, status=leg.status)
            if action:
                extra = self._dial_result(legs, winner, interrupted=True)
                url = self.resolve(doc_url, action)
                params = self.params(extra)
                answer = await engine.webhooks.send(url, method, params)
                self.log.add(
                    "fetch",
                    url=url,
                    method=method.upper(),
                    http_status=answer.status,
                    error=answer.error,
                    note="Dial action after interruption, ignored",
                )
            raise
        for leg in legs:
            self.log.add("leg-ended", leg=leg.sid, status=leg.status, duration=leg.duration)
        extra = self._dial_result(legs, winner, interrupted=False)
        self.log.add("dial-result", **{k: v for k, v in extra.items()})
        if action:
            return Source(url=self.resolve(doc_url, action), method=method, extra=extra)
        return None

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

    def _dial_result(self, legs: list[Call], winner: Call | None, interrupted: bool) -> dict:
        if winner is not None or interrupted:
            status = "completed" if winner is not None else "canceled"
            if interrupted and winner is None and not legs:
                status = "failed"
        elif not legs:
            status = "failed"
        else:
            statuses = [leg.status for leg in legs]
            for candidate in ("busy", "no-answer", "failed", "canceled"):
                if candidate in statuses:
                    status = candidate
                    break
            else:
                status = "completed"
        if interrupted and winner is not None:
            status = "completed"
        chosen = winner or (legs[0] if legs else None)
        result = {"DialCallStatus": status}
        if chosen is not None:
            result["DialCallSid"] = chosen.sid
            result["DialCallDuration"] = str(chosen.duration or 0)
        return result


def _number(value: str | None, default: float) -> float:
    try:
        number = float(value) if value not in (None, "") else default
    except ValueError:
        return default
    return default if math.isnan(number) else number
