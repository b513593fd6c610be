"""Runs TwiML documents for one call: fetch, fall back, dispatch each verb.

The runner fetches documents (signed, with Twilio's parameters), falls back to
the call's FallbackUrl on failure, and hands each verb to its family's module
in ``voicesim.verbs``. A verb answers ``None`` to go on with the next verb, or
a ``Source`` that replaces the current document (Redirect, Gather/Dial actions).
"""

from __future__ import annotations

import contextlib
import secrets
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urljoin
from xml.etree.ElementTree import Element

from voicesim.calls import Call, Interrupted, Source
from voicesim.phonebook import Behaviour
from voicesim.twiml import DocumentError, Stop, is_studio_flow, parse_twiml
from voicesim.verbs import VERBS

if TYPE_CHECKING:
    from voicesim.engine import Engine

#: Twilio gives up on a TwiML request after 15 s
WEBHOOK_TIMEOUT = 15.0
APPLICATION_ERROR = "An application error has occurred. Goodbye."
#: Twilio's verbs the simulator skips on purpose (the README says what Twilio does)
NOT_SIMULATED = frozenset(
    {"Connect", "Start", "Stop", "Pay", "Prompt", "Refer", "Echo", "Sms", "Message"}
)


class TwimlRunner:
    """Runs documents on one call until the flow ends, is redirected or hung up."""

    def __init__(self, engine: Engine, call: Call, behaviour: Behaviour) -> None:
        self.engine = engine
        self.life = engine.life
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
                change = self.life.take_pending(self.call)
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
        params = self.engine.notifier.base_params(self.call)
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
        answer = await self.engine.notifier.webhooks.send(url, method, self.params(extra))
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
            if self.engine.faults.webhook_timeout and source.url:
                await self._time_out(source.url)
            return await self.fetch(source.url, source.method, source.extra), source.url
        except DocumentError as error:
            failure = error
        self.log.add("error", code=failure.code, message=str(failure), url=source.url)
        if call.fallback_url:
            extra = {**source.extra, "ErrorCode": str(failure.code), "ErrorUrl": source.url or ""}
            try:
                root = await self.fetch(call.fallback_url, call.fallback_method, extra)
            except DocumentError as error:
                failure = error
                self.log.add("error", code=error.code, message=str(error), url=call.fallback_url)
            else:
                self.log.add("fallback", url=call.fallback_url)
                return root, call.fallback_url
        self.fail(failure.code)

    async def _time_out(self, url: str) -> None:
        """The webhook_timeout fault: no answer within Twilio's 15 s, error 11205."""
        await self.life.wait(self.call, WEBHOOK_TIMEOUT)
        self.log.add("fetch", url=url, error="timed out (injected fault webhook_timeout)")
        raise DocumentError(11205, f"no answer from {url} within {WEBHOOK_TIMEOUT:.0f} s")

    def fail(self, code: int) -> NoReturn:
        """End the call as Twilio does on a document it cannot run: apologise, hang up."""
        call = self.call
        call.error_code = code
        self.log.add("say", text=APPLICATION_ERROR)
        status = "completed" if call.answered_sim is not None else "failed"
        self.life.finish(call, status, reason=f"error {code}")
        raise Stop

    async def fetch(self, url: str | None, method: str, extra: dict[str, str]) -> Element:
        if not url:
            raise DocumentError(11200, "no URL to fetch")
        text = await self.request(url, method, extra)
        self.life.check(self.call)
        return parse_twiml(text)

    def _skip(self, tag: str) -> None:
        """A verb the runner does not play: Twilio's own, or no verb at all (12200)."""
        if tag in NOT_SIMULATED:
            self.log.add("verb", verb=tag, note="not simulated, skipped (see README)")
        else:
            message = f"<{tag}> is not a TwiML verb: skipped"
            self.log.add("warning", code=12200, message=message)

    @staticmethod
    def resolve(doc_url: str | None, target: str | None) -> str:
        target = (target or "").strip()
        return urljoin(doc_url, target) if doc_url else target

    # ----------------------------------------------------------------- verbs
    async def execute(self, verbs: list[Element], doc_url: str | None) -> Source | None:
        call = self.call
        if call.answered_sim is None and not (verbs and verbs[0].tag == "Reject"):
            self.life.answer(call, self.behaviour)  # an inbound call is answered by its TwiML
        for verb in verbs:
            if not call.is_live:
                raise Stop
            handler = VERBS.get(verb.tag)
            if handler is None:
                self._skip(verb.tag)
                continue
            self.log.add("verb", verb=verb.tag)
            next_source = await handler(self, verb, doc_url)
            if next_source is not None:
                return next_source
        return None
