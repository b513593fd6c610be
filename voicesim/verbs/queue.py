"""``<Enqueue>``, ``<Leave>`` and ``<Dial><Queue>``: callers wait in line with
their wait music, an agent's Dial takes the longest waiter.

The waitUrl document is requested again each time it ends, with Twilio's
queue parameters (QueuePosition, QueueTime, AvgQueueTime, CurrentQueueSize);
``<Leave>`` in it takes the caller out. The Enqueue ``action`` hears the
QueueResult once the caller left (after the bridge, when bridged).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from voicesim.call_queue import Member
from voicesim.calls import Interrupted, Source
from voicesim.conference import DEFAULT_MUSIC
from voicesim.twiml import DocumentError, Stop, number

if TYPE_CHECKING:
    from voicesim.twiml_runner import TwimlRunner

#: the shortest simulated time between two requests of a waitUrl
WAIT_LOOP = 1.0


async def enqueue(runner: TwimlRunner, verb: Element, doc_url: str | None) -> Source | None:
    call, queues = runner.call, runner.engine.queues
    name = (verb.text or "").strip()
    queue = queues.named(name) or queues.create(name)
    action = runner.resolve(doc_url, verb.get("action")) if verb.get("action") else None
    method = verb.get("method", "POST")
    member = queues.enqueue(queue, call)
    if member is None:
        # Twilio logs its warning 14207 and requests the action with queue-full
        runner.log.add(
            "queue-full",
            queue=queue.sid,
            max_size=queue.max_size,
            code=14207,
            message="Enqueue: The targeted queue reached max queue size",
        )
        extra = {"QueueResult": "queue-full", "QueueSid": queue.sid, "QueueTime": "0"}
        return Source(action, method, extra=extra) if action else None
    wait_url = verb.get("waitUrl", DEFAULT_MUSIC)
    wait_url = runner.resolve(doc_url, wait_url) if wait_url else None
    music = asyncio.ensure_future(
        _wait_music(runner, member, wait_url, verb.get("waitUrlMethod", "POST"))
    )
    try:
        try:
            await runner.life.wait_events(call, [member.left, call.done])
        finally:
            music.cancel()
            with contextlib.suppress(asyncio.CancelledError, Interrupted, Stop, DocumentError):
                await music
        if member.result == "bridged":
            await runner.life.wait_events(call, [member.bridge_over, call.done])
    except Interrupted:
        change = call.pending
        queues.leave(
            member, "hangup" if change is None or change.kind == "hangup" else "redirected"
        )
        if action:
            await runner.notify(Source(action, method, extra=_result(runner, member)))
        raise
    if member.result is None:  # the call ended while it waited (hang-up, time limit)
        queues.leave(member, "hangup")
    if not call.is_live:
        if action:  # Twilio still tells the action how the caller left
            await runner.notify(Source(action, method, extra=_result(runner, member)))
        raise Stop
    if member.dequeued_to is not None:
        return member.dequeued_to
    return Source(action, method, extra=_result(runner, member)) if action else None


def _result(runner: TwimlRunner, member: Member) -> dict[str, str]:
    return {
        "QueueResult": member.result or "hangup",
        "QueueSid": member.queue.sid,
        "QueueTime": str(runner.engine.queues.wait_time(member)),
    }


async def _wait_music(runner: TwimlRunner, member: Member, url: str | None, method: str) -> None:
    """Run the waitUrl document again and again while the caller is in line."""
    call, queues = runner.call, runner.engine.queues
    if url is None:
        return
    if url == DEFAULT_MUSIC:
        call.transcript.add("heard", source="wait-music", url=url, queue=member.queue.sid)
        return
    while member.result is None and call.is_live:
        began = runner.engine.clock.now()
        root = await runner.fetch(url, method, queues.wait_params(member))
        moved = await runner.execute(list(root), url)
        if moved is not None and moved.url:
            url, method = moved.url, moved.method  # a <Redirect> in the wait document
        spent = runner.engine.clock.now() - began
        await runner.life.wait(call, WAIT_LOOP - spent)


async def leave(runner: TwimlRunner, verb: Element, doc_url: str | None) -> None:
    """Take the caller out of its queue; its Enqueue goes on with QueueResult ``leave``."""
    member = runner.engine.queues.member_of(runner.call)
    if member is None:
        runner.log.add("leave-ignored", note="the call is not in a queue")
        return
    runner.engine.queues.leave(member, "leave")
    raise Stop  # the wait document ends here; the Enqueue picks up


async def dial_queue(
    runner: TwimlRunner, dial: Element, noun: Element, doc_url: str | None
) -> Source | None:
    """Bridge the agent with the longest waiter (waiting up to the Dial's timeout)."""
    queues, agent = runner.engine.queues, runner.call
    name = (noun.text or "").strip()
    action = runner.resolve(doc_url, dial.get("action")) if dial.get("action") else None
    method = dial.get("method", "POST")
    queue = queues.named(name)
    if queue is None:
        runner.log.add("error", message=f"Dial: no queue named {name!r}")
        return Source(action, method, extra={"DialCallStatus": "failed"}) if action else None
    member = await queues.take(queue, agent, number(dial.get("timeout"), 30.0))
    if member is None:
        extra = {"DialCallStatus": "no-answer", "QueueSid": queue.sid}
        return Source(action, method, extra=extra) if action else None
    caller = member.call
    member.agent = agent
    extra = {"QueueSid": queue.sid, "DialCallSid": caller.sid}
    try:
        url = noun.get("url")
        if url:
            params = {
                "QueueSid": queue.sid,
                "QueueTime": str(queues.wait_time(member)),
                "DequeingCallSid": agent.sid,
            }
            whisper = runner.engine.runner(caller, runner.engine.far_end(caller))
            source = Source(runner.resolve(doc_url, url), noun.get("method", "POST"), extra=params)
            await whisper.run(source)
        caller.bridged_with, agent.bridged_with = agent.sid, caller.sid
        runner.log.add("queue-bridged", caller=caller.sid, queue=queue.sid)
        caller.transcript.add("queue-bridged", agent=agent.sid, queue=queue.sid)
        await runner.life.wait_events(agent, [caller.done])
    finally:
        caller.bridged_with = agent.bridged_with = None
        member.bridge_over.set()
    extra.update(DialCallStatus="completed", QueueTime=str(queues.wait_time(member)))
    return Source(action, method, extra=extra) if action else None
