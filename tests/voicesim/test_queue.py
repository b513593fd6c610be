"""Queues: ``<Enqueue>`` with its wait document, ``<Leave>``, ``<Dial><Queue>``,
and the Queues and Members resources through the official client."""

from __future__ import annotations

import itertools

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.twiml.voice_response import Dial, VoiceResponse

from tests.voicesim.conftest import App, Sim

_numbers = itertools.count(4155558000)
WAIT_DOCUMENT = "<Response><Say>Please hold</Say><Pause length='20'/></Response>"


def person(sim: Sim) -> str:
    """A fresh number whose far end answers and stays on the line."""
    number = f"+1{next(_numbers)}"
    sim.phonebook(number, kind="human", answer_after=1, talk_for=10**6)
    return number


def caller_document(app: App, queue: str, after: str = "") -> str:
    response = VoiceResponse()
    response.enqueue(queue, wait_url=app.url("wait"), action=app.url("left"))
    if after:
        response.say(after)
    return str(response)


def agent_document(queue: str, url: str | None = None) -> str:
    response = VoiceResponse()
    dial = Dial()
    dial.queue(queue, url=url)
    response.append(dial)
    return str(response)


def enqueue(sim: Sim, app: App, queue: str) -> str:
    app.route("wait", WAIT_DOCUMENT)
    call = sim.create(to=person(sim), twiml=caller_document(app, queue))
    sim.wait_event(call.sid, "enqueued")
    return call.sid


def queue_sid(sim: Sim, name: str) -> str:
    [queue] = [q for q in sim.client.queues.list() if q.friendly_name == name]
    return queue.sid


def test_enqueue_then_dial_queue_bridges_the_longest_waiter(sim: Sim, app: App) -> None:
    app.route("whisper", "<Response><Say>An agent is taking your call</Say></Response>")
    first = enqueue(sim, app, "sales")
    second = enqueue(sim, app, "sales")
    agent = sim.create(to=person(sim), twiml=agent_document("sales", app.url("whisper")))

    sim.wait_event(agent.sid, "queue-bridged", caller=first)
    sim.wait_event(first, "say", text="An agent is taking your call")
    members = sim.client.queues(queue_sid(sim, "sales")).members.list()
    assert [(m.call_sid, m.position) for m in members] == [(second, 1)]
    assert sim.say(agent.sid, "Sales, how can I help?") == [first]
    assert sim.say(first, "I would like a quote") == [agent.sid]
    assert sim.heard(second, "speech") == []

    sim.hang_up(agent.sid)
    [left] = app.wait_for("left", CallSid=first)
    assert left.get("QueueResult") == "bridged"
    assert left.get("QueueSid") == queue_sid(sim, "sales")
    sim.hang_up(first)
    sim.hang_up(second)


def test_the_wait_document_hears_the_callers_place_in_line(sim: Sim, app: App) -> None:
    first = enqueue(sim, app, "billing")
    second = enqueue(sim, app, "billing")

    [hit] = app.wait_for("wait", CallSid=second)[:1]
    assert hit.get("QueuePosition") == "2"
    assert hit.get("CurrentQueueSize") == "2"
    assert hit.get("QueueSid") == queue_sid(sim, "billing")
    assert int(hit.get("QueueTime")) >= 0 and int(hit.get("AvgQueueTime")) >= 0
    again = app.wait_for("wait", 2, CallSid=first)
    assert int(again[1].get("QueueTime")) >= 20
    sim.hang_up(first)
    left = app.wait_for("left", CallSid=first)
    assert left[0].get("QueueResult") == "hangup"
    [moved_up] = app.wait_for("wait", 1, CallSid=second, QueuePosition="1")[:1]
    assert moved_up.get("CurrentQueueSize") == "1"
    sim.hang_up(second)


def test_leave_in_the_wait_document_takes_the_caller_out(sim: Sim, app: App) -> None:
    app.route("wait", "<Response><Say>All agents are busy</Say><Leave/></Response>")
    app.route("left", "<Response><Say>Please call back later</Say></Response>")
    call = sim.create(to=person(sim), twiml=caller_document(app, "closed"))

    [left] = app.wait_for("left")
    assert left.get("QueueResult") == "leave"
    sim.wait_event(call.sid, "say", text="Please call back later")
    sim.wait_status(call.sid, "completed")
    assert sim.client.queues(queue_sid(sim, "closed")).fetch().current_size == 0


def test_a_member_is_dequeued_to_a_url_by_the_api(sim: Sim, app: App) -> None:
    app.route("voicemail", "<Response><Say>Leave a message after the tone</Say></Response>")
    caller = enqueue(sim, app, "support")
    queue = sim.client.queues(queue_sid(sim, "support"))

    front = queue.members("Front").fetch()
    assert (front.call_sid, front.position) == (caller, 1)
    queue.members(caller).update(url=app.url("voicemail"), method="POST")

    sim.wait_event(caller, "say", text="Leave a message after the tone")
    assert queue.members.list() == []
    with pytest.raises(TwilioRestException) as error:
        queue.members(caller).fetch()
    assert error.value.status == 404


def test_a_full_queue_refuses_the_caller_with_queue_full(sim: Sim, app: App) -> None:
    sim.client.queues.create(friendly_name="tiny", max_size=1)
    first = enqueue(sim, app, "tiny")
    second = sim.create(to=person(sim), twiml=caller_document(app, "tiny"))

    [refused] = app.wait_for("left", CallSid=second.sid)
    assert refused.get("QueueResult") == "queue-full"
    assert sim.events(second.sid, "queue-full")[0]["code"] == 14207
    assert sim.client.queues(queue_sid(sim, "tiny")).fetch().current_size == 1
    sim.hang_up(first)


def test_queues_resource_create_update_list_delete(sim: Sim) -> None:
    queue = sim.client.queues.create(friendly_name="escalations", max_size=10)
    assert (queue.friendly_name, queue.max_size, queue.current_size) == ("escalations", 10, 0)

    updated = sim.client.queues(queue.sid).update(max_size=20)
    assert updated.max_size == 20
    assert queue.sid in [q.sid for q in sim.client.queues.list()]
    with pytest.raises(TwilioRestException) as error:
        sim.client.queues.create(friendly_name="escalations")
    assert error.value.status == 400
    with pytest.raises(TwilioRestException) as error:
        sim.client.queues(queue.sid).update(max_size=5001)
    assert error.value.status == 400 and "MaxSize" in error.value.msg
    assert sim.client.queues(queue.sid).fetch().max_size == 20

    assert sim.client.queues(queue.sid).delete() is True
    assert queue.sid not in [q.sid for q in sim.client.queues.list()]


def test_dialing_an_unknown_queue_fails_the_dial(sim: Sim, app: App) -> None:
    response = VoiceResponse()
    dial = Dial(action=app.url("dialed"))
    dial.queue("nobody-here")
    response.append(dial)
    sim.create(to=person(sim), twiml=str(response))

    [dialed] = app.wait_for("dialed")
    assert dialed.get("DialCallStatus") == "failed"
