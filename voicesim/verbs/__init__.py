"""One module per TwiML verb family; ``VERBS`` maps a verb's tag to its handler.

A handler is ``async (runner, verb, doc_url) -> Source | None``: ``None`` goes
on with the next verb, a ``Source`` replaces the document (an action, a
redirect). Handlers reach the call only through the runner (its call, its far
end's behaviour, its transcript) and ``runner.life``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from voicesim.calls import Source
from voicesim.verbs import dial, flow, gather, media, queue, record

if TYPE_CHECKING:
    from voicesim.twiml_runner import TwimlRunner

Handler = Callable[["TwimlRunner", Element, "str | None"], Awaitable["Source | None"]]

VERBS: dict[str, Handler] = {
    "Say": media.say,
    "Play": media.play,
    "Pause": media.pause,
    "Gather": gather.gather,
    "Dial": dial.dial,
    "Hangup": flow.hangup,
    "Reject": flow.reject,
    "Redirect": flow.redirect,
    "Enqueue": queue.enqueue,
    "Leave": queue.leave,
    "Record": record.record,
}
