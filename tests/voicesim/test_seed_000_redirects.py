"""Seed 000: hold music interrupted by a REST redirect that dials the
representative, then the goodbye-and-hangup redirect, through the 2010 API."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from tests.voicesim.conftest import HUMAN, App, Sim

REPRESENTATIVE = "+14155556666"


def hold_document() -> str:
    response = VoiceResponse()
    response.say(" Thank you for calling, a representative will be with you shortly")
    response.play("http://www.mydomain.foo/hold-music.mp3", loop=100)
    return str(response)


def dial_representative_document() -> str:
    response = VoiceResponse()
    response.dial("415-555-6666")
    return str(response)


def goodbye_document() -> str:
    response = VoiceResponse()
    response.say("Thank you for calling. Goodbye")
    response.hangup()
    return str(response)


def test_hold_music_redirected_to_the_representative_then_to_goodbye(sim: Sim, app: App) -> None:
    call = sim.create(to=HUMAN, url=app.route("hold", hold_document()))
    play = sim.wait_event(call.sid, "play")
    assert play["url"] == "http://www.mydomain.foo/hold-music.mp3"
    assert play["loop"] == 100

    sim.client.calls(call.sid).update(
        url=app.route("dial-representative", dial_representative_document())
    )

    started = sim.wait_event(call.sid, "leg-started")
    assert started["to"] == REPRESENTATIVE
    sim.wait_event(call.sid, "leg-connected")
    legs = sim.client.calls.list(parent_call_sid=call.sid)
    assert [(leg.sid, leg.direction, leg.to) for leg in legs] == [
        (started["leg"], "outbound-dial", REPRESENTATIVE)
    ]
    assert legs[0].status == "in-progress"

    sim.client.calls(call.sid).update(url=app.route("goodbye", goodbye_document()))

    sim.wait_status(call.sid, "completed")
    assert sim.wait_status(started["leg"], "completed")
    entries = sim.transcript(call.sid)
    said = [entry["text"] for entry in entries if entry["event"] == "say"]
    assert said == [
        "Thank you for calling, a representative will be with you shortly",
        "Thank you for calling. Goodbye",
    ]
    order = [entry["event"] for entry in entries]
    assert order.index("play-interrupted") < order.index("leg-started")
    assert order.index("leg-ended") < order.index("hangup")
    assert app.sequence() == ["hold", "dial-representative", "goodbye"]
