"""What the services decided a caller hears next, for `queues.twiml` to render.

The services decide and write; the webhooks answer Twilio with the document
`twiml.caller_document` builds from the outcome, and the overflow sweep sends
that same document in a redirect. A leaf module, so both sides import it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from conversations.models import Conference

from .models import Queue, QueueEntry


class CallerNext(enum.Enum):
    CLOSED = "closed"  # the queue is closed: its closed message, then goodbye
    ENQUEUED = "enqueued"  # the queue's greeting, then hold music
    STILL_WAITING = "still-waiting"  # hold music again
    BACK_ON_HOLD = "back-on-hold"  # the agent did not take the call: an apology, hold music
    OVERFLOWED = "overflowed"  # the queue's overflow: voicemail, or a message and goodbye
    SURVEY = "survey"  # the queue's survey
    GOODBYE = "goodbye"  # the conversation is over, no survey
    OVERTAKEN = "overtaken"  # a newer redirect replaces this answer: hold music alone
    INTO_THE_ROOM = "into-the-room"  # the redirect into the conference failed: the room itself


@dataclass(frozen=True)
class CallerOutcome:
    next: CallerNext
    queue: Queue
    entry: QueueEntry | None = None
    room: Conference | None = None  # INTO_THE_ROOM: the conference to join

    @classmethod
    def of(cls, entry: QueueEntry, next: CallerNext) -> CallerOutcome:
        """The outcome for a caller's entry, in the entry's own queue."""
        return cls(next, entry.queue, entry)
