"""``<Hangup>``, ``<Reject>`` and ``<Redirect>``: verbs that end or move the document."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from voicesim.calls import Source
from voicesim.twiml import Stop

if TYPE_CHECKING:
    from voicesim.twiml_runner import TwimlRunner


async def hangup(runner: TwimlRunner, verb: Element, doc_url: str | None) -> None:
    runner.life.finish(runner.call, "completed", reason="<Hangup>")
    raise Stop


async def reject(runner: TwimlRunner, verb: Element, doc_url: str | None) -> None:
    reason = verb.get("reason", "rejected")
    if runner.call.answered_sim is not None:
        status = "completed"
    else:
        status = "busy" if reason == "busy" else "failed"
    runner.life.finish(runner.call, status, reason=f"<Reject reason={reason}>")
    raise Stop


async def redirect(runner: TwimlRunner, verb: Element, doc_url: str | None) -> Source:
    url = runner.resolve(doc_url, verb.text)
    runner.log.add("redirect", url=url)
    return Source(url=url, method=verb.get("method", "POST"))
