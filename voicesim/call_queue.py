"""Call queues: callers wait in line (``<Enqueue>``), agents take the longest
waiter (``<Dial><Queue>``), the Members resource dequeues one to a URL.

A member leaves the queue in one of Twilio's ``QueueResult`` ways: ``bridged``
(an agent took it), ``leave`` (a ``<Leave>`` in its wait document),
``redirected`` (dequeued by the API, or its call redirected), ``hangup``.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from voicesim.calls import Call, Source, new_sid
from voicesim.clock import rfc2822, utcnow

if TYPE_CHECKING:
    from voicesim.engine import Engine

#: Twilio's default and largest queue sizes
DEFAULT_MAX_SIZE = 1000
LARGEST_MAX_SIZE = 5000


@dataclass
class Member:
    """A call waiting in a queue, and how it left."""

    call: Call
    queue: CallQueue
    enqueued_sim: float
    date_enqueued: datetime = field(default_factory=utcnow)
    #: the QueueResult once it left the queue
    result: str | None = None
    #: where the API sent it (Members update)
    dequeued_to: Source | None = None
    #: the agent's call it was bridged with
    agent: Call | None = None
    left: asyncio.Event = field(default_factory=asyncio.Event)
    #: set when the agent's side of a bridge is over
    bridge_over: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class CallQueue:
    """A Twilio queue: its members in order of arrival."""

    sid: str
    account_sid: str
    friendly_name: str
    max_size: int = DEFAULT_MAX_SIZE
    members: list[Member] = field(default_factory=list)
    #: agents' ``<Dial><Queue>`` waiting for a caller, first come first served
    takers: list[asyncio.Future[Member]] = field(default_factory=list)
    date_created: datetime = field(default_factory=utcnow)
    date_updated: datetime = field(default_factory=utcnow)

    def uri(self) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/Queues/{self.sid}"

    @property
    def is_full(self) -> bool:
        return len(self.members) >= self.max_size

    def touch(self) -> None:
        self.date_updated = utcnow()


class CallQueues:
    """Every queue of the account, and the moves of their members."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.all: OrderedDict[str, CallQueue] = OrderedDict()

    def create(self, name: str, max_size: int = DEFAULT_MAX_SIZE) -> CallQueue:
        queue = CallQueue(new_sid("QU"), self.engine.account_sid, name, max_size)
        self.all[queue.sid] = queue
        return queue

    def named(self, name: str) -> CallQueue | None:
        return next((q for q in self.all.values() if q.friendly_name == name), None)

    def find(self, sid: str) -> CallQueue | None:
        return self.all.get(sid)

    # ------------------------------------------------------------------ figures
    def wait_time(self, member: Member) -> int:
        return max(0, round(self.engine.clock.now() - member.enqueued_sim))

    def average_wait(self, queue: CallQueue) -> int:
        waits = [self.wait_time(m) for m in queue.members]
        return round(sum(waits) / len(waits)) if waits else 0

    @staticmethod
    def position(member: Member) -> int:
        """1 for the longest waiter, as Twilio counts."""
        return member.queue.members.index(member) + 1

    def wait_params(self, member: Member) -> dict[str, str]:
        """What Twilio adds to a member's waitUrl request."""
        queue = member.queue
        return {
            "QueueSid": queue.sid,
            "QueuePosition": str(self.position(member)),
            "QueueTime": str(self.wait_time(member)),
            "AvgQueueTime": str(self.average_wait(queue)),
            "CurrentQueueSize": str(len(queue.members)),
            "MaxQueueSize": str(queue.max_size),
        }

    # ------------------------------------------------------------------ moves
    def enqueue(self, queue: CallQueue, call: Call) -> Member | None:
        """Put ``call`` at the back of the line; ``None`` when the queue is full.

        An agent already waiting takes it at once.
        """
        if queue.is_full:
            return None
        member = Member(call, queue, self.engine.clock.now())
        queue.members.append(member)
        queue.touch()
        call.transcript.add("enqueued", queue=queue.sid, position=self.position(member))
        self._hand_over(queue)
        return member

    def leave(self, member: Member, result: str) -> None:
        """Take ``member`` out of the line with its QueueResult."""
        if member.result is not None:
            return
        member.result = result
        queue = member.queue
        if member in queue.members:
            queue.members.remove(member)
        queue.touch()
        member.call.transcript.add(
            "dequeued", queue=queue.sid, result=result, queue_time=self.wait_time(member)
        )
        member.left.set()

    def member_of(self, call: Call) -> Member | None:
        for queue in self.all.values():
            for member in queue.members:
                if member.call is call:
                    return member
        return None

    async def take(self, queue: CallQueue, agent: Call, timeout: float) -> Member | None:
        """The longest waiter for ``agent``, waiting up to ``timeout`` for one to come."""
        taker: asyncio.Future[Member] = asyncio.get_running_loop().create_future()
        queue.takers.append(taker)
        self._hand_over(queue)
        try:
            await self.engine.life.wait_events(agent, [_done_event(taker)])
        except BaseException:
            if not taker.done():
                taker.cancel()
            raise
        finally:
            if taker in queue.takers:
                queue.takers.remove(taker)
        return taker.result() if taker.done() and not taker.cancelled() else None

    def _hand_over(self, queue: CallQueue) -> None:
        """Match waiting agents with the longest waiters, in order."""
        while queue.members and queue.takers:
            taker = queue.takers.pop(0)
            if taker.done():
                continue
            member = queue.members[0]
            self.leave(member, "bridged")
            taker.set_result(member)

    def to_json(self, queue: CallQueue) -> dict[str, Any]:
        """The ``api.v2010.account.queue`` resource."""
        return {
            "date_updated": rfc2822(queue.date_updated),
            "current_size": len(queue.members),
            "friendly_name": queue.friendly_name,
            "uri": queue.uri() + ".json",
            "account_sid": queue.account_sid,
            "average_wait_time": self.average_wait(queue),
            "sid": queue.sid,
            "date_created": rfc2822(queue.date_created),
            "max_size": queue.max_size,
        }

    def member_json(self, member: Member) -> dict[str, Any]:
        """The ``api.v2010.account.queue.member`` resource."""
        return {
            "call_sid": member.call.sid,
            "date_enqueued": rfc2822(member.date_enqueued),
            "position": self.position(member),
            "uri": f"{member.queue.uri()}/Members/{member.call.sid}.json",
            "wait_time": self.wait_time(member),
            "queue_sid": member.queue.sid,
        }


def _done_event(future: asyncio.Future[Any]) -> asyncio.Event:
    """An event set when ``future`` completes, for waits that take events."""
    event = asyncio.Event()
    future.add_done_callback(lambda _: event.set())
    return event
