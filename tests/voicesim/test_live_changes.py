"""Updates of live calls, fallbacks and document errors, as Twilio handles them."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from tests.voicesim.conftest import HUMAN, App, Sim

HOLD = '<Response><Play loop="0">http://example.com/hold.mp3</Play></Response>'
STUDIO_FLOW = f"https://webhooks.twilio.com/v1/Accounts/AC{'b2' * 16}/Flows/FW{'c3' * 16}"


def test_an_inline_twiml_update_interrupts_the_hold_music_at_once(sim: Sim, app: App) -> None:
    call = sim.create(to=HUMAN, url=app.route("hold", HOLD))
    sim.wait_event(call.sid, "play")

    sim.client.calls(call.sid).update(twiml="<Response><Say>You are next</Say></Response>")

    sim.wait_status(call.sid, "completed")
    order = [entry["event"] for entry in sim.transcript(call.sid)]
    assert order.index("play-interrupted") < order.index("say")
    assert sim.events(call.sid, "play-interrupted")[0]["plays_done"] < 20


def test_a_failing_url_falls_back_to_the_fallback_url(sim: Sim, app: App) -> None:
    call = sim.create(
        to=HUMAN,
        url=app.route("broken", (500, "Internal Server Error")),
        fallback_url=app.route("fallback", "<Response><Say>Backup plan</Say></Response>"),
    )

    fallback = app.wait_for("fallback")[0]
    assert (fallback.get("ErrorCode"), fallback.get("ErrorUrl")) == ("11200", app.url("broken"))
    sim.wait_status(call.sid, "completed")
    assert [entry["text"] for entry in sim.events(call.sid, "say")] == ["Backup plan"]


@pytest.mark.parametrize(
    ("answer", "code"),
    [((404, "Not Found"), 11200), ((200, "<Response><Say>unclosed</Response>"), 12100)],
)
def test_without_fallback_a_bad_document_ends_the_call_with_its_error(
    sim: Sim, app: App, answer: tuple[int, str], code: int
) -> None:
    call = sim.create(to=HUMAN, url=app.route("broken", answer))

    info = sim.wait_status(call.sid, "completed")
    assert info["error_code"] == code
    assert sim.events(call.sid, "error")[0]["code"] == code


def test_an_unreachable_url_is_11200(sim: Sim) -> None:
    call = sim.create(to=HUMAN, url="http://127.0.0.1:9/nothing-listens-here")

    assert sim.wait_status(call.sid, "completed")["error_code"] == 11200


@pytest.mark.parametrize(
    "flow",
    [
        STUDIO_FLOW,
        STUDIO_FLOW.replace("https://webhooks.twilio.com", "HTTP://Webhooks.Twilio.COM:443"),
        STUDIO_FLOW.replace("https://webhooks.twilio.com/v1", "Https://u@WEBHOOKS.twilio.com./V1"),
    ],
)
def test_a_studio_flow_is_refused_for_an_in_progress_call(sim: Sim, app: App, flow: str) -> None:
    call = sim.create(to=HUMAN, url=app.route("hold", HOLD))
    sim.wait_event(call.sid, "play")

    with pytest.raises(TwilioRestException) as refused:
        sim.client.calls(call.sid).update(url=flow)

    assert (refused.value.status, refused.value.code) == (400, 21220)
    assert "Studio Flow" in refused.value.msg
    assert sim.events(call.sid, "play-interrupted") == []
    sim.hang_up(call.sid)


def test_a_studio_flow_is_accepted_for_a_ringing_call(sim: Sim, app: App) -> None:
    sim.phonebook("+14155550191", kind="human", answer_after=100)
    call = sim.create(to="+14155550191", url=app.route("hold", HOLD), timeout=120)
    sim.wait_status(call.sid, "ringing")

    assert sim.client.calls(call.sid).update(url=STUDIO_FLOW).status == "ringing"

    sim.wait_event(call.sid, "studio-flow", url=STUDIO_FLOW)
    sim.wait_status(call.sid, "completed")
    assert app.hits("hold") == []


@pytest.mark.parametrize(
    "change",
    [{"url": "http://127.0.0.1:9/next"}, {"status": "completed"}, {"twiml": "<Response/>"}],
)
def test_changing_an_ended_call_is_21220(sim: Sim, change: dict[str, str]) -> None:
    call = sim.create(to=HUMAN, twiml="<Response/>")
    sim.wait_status(call.sid, "completed")

    with pytest.raises(TwilioRestException) as refused:
        sim.client.calls(call.sid).update(**change)

    assert (refused.value.status, refused.value.code) == (400, 21220)
    assert refused.value.msg.endswith("Call is not in-progress. Cannot redirect.")


def test_a_document_redirect_follows_relative_urls(sim: Sim, app: App) -> None:
    app.route("second", "<Response><Say>Second document</Say></Response>")
    call = sim.create(
        to=HUMAN, url=app.route("first", "<Response><Redirect>second</Redirect></Response>")
    )

    sim.wait_status(call.sid, "completed")
    assert app.sequence() == ["first", "second"]
    assert [entry["text"] for entry in sim.events(call.sid, "say")] == ["Second document"]


def test_reject_ends_an_inbound_call_before_it_is_answered(sim: Sim, app: App) -> None:
    answer = sim.http.post(
        "/sim/inbound",
        json={
            "from": HUMAN,
            "to": "+14155550100",
            "url": app.route("in", '<Response><Reject reason="busy"/></Response>'),
        },
    )

    sid = answer.json()["sid"]
    sim.wait_status(sid, "busy")
    assert sim.client.calls(sid).fetch().start_time is None
