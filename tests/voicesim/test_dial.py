"""``<Dial>``: each noun's leg is a call of its own (``outbound-dial`` with
ParentCallSid), with its own status callbacks, and Dial's action hears how it went."""

from __future__ import annotations

import pytest
from twilio.twiml.voice_response import Dial, VoiceResponse

from tests.voicesim.conftest import BUSY, HUMAN, NO_ANSWER, App, Sim

LEG_EVENTS = "initiated ringing answered completed"


def dial_document(app: App, noun: str, target: str, **dial: object) -> str:
    response = VoiceResponse()
    verb = Dial(action=app.url("dial-done"), **dial)
    getattr(verb, noun)(
        target, status_callback=app.url("leg-status"), status_callback_event=LEG_EVENTS
    )
    response.append(verb)
    response.say("After the dial")
    return str(response)


@pytest.mark.parametrize(
    ("noun", "target", "leg_to"),
    [
        ("number", "+14155556601", "+14155556601"),
        ("sip", "sip:agent@pbx.example.com", "sip:agent@pbx.example.com"),
        ("client", "alice", "client:alice"),
    ],
)
def test_dial_leg_is_a_child_call_with_its_callbacks_and_the_action_hears_the_result(
    sim: Sim, app: App, noun: str, target: str, leg_to: str
) -> None:
    sim.phonebook(leg_to, kind="human", answer_after=2, talk_for=6)
    app.route("dial-done", "<Response><Say>Dial finished</Say></Response>")
    call = sim.create(
        to=HUMAN, from_="+14155550100", url=app.route("answer", dial_document(app, noun, target))
    )

    action = app.wait_for("dial-done")[0]
    leg_hits = app.wait_for("leg-status", 4)
    leg_sid = action.get("DialCallSid")
    assert action.get("DialCallStatus") == "completed"
    assert action.signature_ok
    assert 5 <= int(action.get("DialCallDuration")) <= 20
    assert [hit.get("CallStatus") for hit in leg_hits] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    for hit in leg_hits:
        assert (hit.get("CallSid"), hit.get("ParentCallSid")) == (leg_sid, call.sid)
        assert hit.get("Direction") == "outbound-dial"
    leg = sim.client.calls(leg_sid).fetch()
    assert (leg.parent_call_sid, leg.direction, leg.to) == (call.sid, "outbound-dial", leg_to)
    assert leg._from == "+14155550100"
    assert leg.duration == action.get("DialCallDuration")
    sim.wait_status(call.sid, "completed")
    said = [entry["text"] for entry in sim.events(call.sid, "say")]
    assert said == ["Dial finished"]


@pytest.mark.parametrize(("number", "outcome"), [(BUSY, "busy"), (NO_ANSWER, "no-answer")])
def test_an_unanswered_dial_tells_the_action_why_and_the_document_goes_on(
    sim: Sim, app: App, number: str, outcome: str
) -> None:
    response = VoiceResponse()
    response.dial(number, action=app.url("dial-done"), timeout=5)
    app.route("dial-done", "<Response><Say>Sorry, no one is free</Say></Response>")
    call = sim.create(to=HUMAN, url=app.route("answer", str(response)))

    action = app.wait_for("dial-done")[0]
    assert action.get("DialCallStatus") == outcome
    assert action.get("DialCallDuration") == "0"
    assert sim.client.calls(action.get("DialCallSid")).fetch().status == outcome
    sim.wait_status(call.sid, "completed")
    assert sim.events(call.sid, "say")[0]["text"] == "Sorry, no one is free"


def test_dial_without_action_goes_on_with_the_next_verb(sim: Sim, app: App) -> None:
    response = VoiceResponse()
    response.dial(BUSY)
    response.say("Nobody answered")
    call = sim.create(to=HUMAN, url=app.route("answer", str(response)))

    sim.wait_status(call.sid, "completed")
    assert [entry["text"] for entry in sim.events(call.sid, "say")] == ["Nobody answered"]


def test_the_first_leg_to_answer_wins_and_the_others_are_canceled(sim: Sim, app: App) -> None:
    sim.phonebook("+14155556602", kind="human", answer_after=2, talk_for=3)
    sim.phonebook("+14155556603", kind="human", answer_after=25)
    dial = Dial(action=app.url("dial-done"))
    dial.number("+14155556602")
    dial.number("+14155556603")
    response = VoiceResponse()
    response.append(dial)
    call = sim.create(to=HUMAN, url=app.route("answer", str(response)))

    action = app.wait_for("dial-done")[0]
    legs = {leg.to: leg for leg in sim.client.calls.list(parent_call_sid=call.sid)}
    assert action.get("DialCallSid") == legs["+14155556602"].sid
    assert legs["+14155556602"].status == "completed"
    assert legs["+14155556603"].status == "canceled"


def test_a_redirect_during_dial_ends_the_leg_and_requests_the_dial_action_first(
    sim: Sim, app: App
) -> None:
    response = VoiceResponse()
    response.dial("+14155556604", action=app.url("dial-done"))
    app.route("dial-done", "<Response><Say>Action answer is ignored</Say></Response>")
    call = sim.create(to=HUMAN, url=app.route("answer", str(response)))
    connected = sim.wait_event(call.sid, "leg-connected")

    sim.client.calls(call.sid).update(
        url=app.route("survey", "<Response><Say>Please rate the call</Say></Response>")
    )

    sim.wait_status(call.sid, "completed")
    assert app.sequence() == ["answer", "dial-done", "survey"]
    action = app.hits("dial-done")[0]
    assert (action.get("DialCallStatus"), action.get("DialCallSid")) == (
        "completed",
        connected["leg"],
    )
    assert sim.client.calls(connected["leg"]).fetch().status == "completed"
    said = [entry["text"] for entry in sim.events(call.sid, "say")]
    assert said == ["Please rate the call"]


def test_a_leg_hanging_up_lets_the_parent_go_on(sim: Sim, app: App) -> None:
    sim.phonebook("+14155556605", kind="human", answer_after=1, talk_for=4)
    app.route("dial-done", "<Response><Say>Thanks</Say></Response>")
    call = sim.create(
        to=HUMAN, url=app.route("answer", dial_document(app, "number", "+14155556605"))
    )

    sim.wait_status(call.sid, "completed")
    leg_sid = app.hits("dial-done")[0].get("DialCallSid")
    assert sim.events(leg_sid, "hangup")[0]["reason"] == "far end hung up"


def test_a_number_url_runs_on_the_called_party_before_the_bridge(sim: Sim, app: App) -> None:
    dial = Dial()
    dial.number(
        "+14155556606", url=app.route("whisper", "<Response><Say>Customer on line</Say></Response>")
    )
    response = VoiceResponse()
    response.append(dial)
    call = sim.create(to=HUMAN, url=app.route("answer", str(response)))

    whisper = app.wait_for("whisper")[0]
    leg_sid = whisper.get("CallSid")
    assert (whisper.get("ParentCallSid"), whisper.get("Direction")) == (call.sid, "outbound-dial")
    sim.wait_event(leg_sid, "bridged")
    assert [entry["text"] for entry in sim.events(leg_sid, "say")] == ["Customer on line"]
    sim.hang_up(call.sid)
    sim.wait_status(leg_sid, "completed")
