"""Calls placed through the real ``twilio`` client walk their life in voicesim:
statuses, status callbacks, outcomes by far end, SendDigits, TimeLimit."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest
from twilio.twiml.voice_response import VoiceResponse

from tests.voicesim.conftest import (
    BUSY,
    HUMAN,
    NO_ANSWER,
    SHORT_TALKER,
    UNREACHABLE,
    App,
    Sim,
)

ALL_EVENTS = ["initiated", "ringing", "answered", "completed"]


def say(text: str) -> str:
    response = VoiceResponse()
    response.say(text)
    return str(response)


def hold_music() -> str:
    response = VoiceResponse()
    response.play("http://www.mydomain.foo/hold-music.mp3", loop=0)
    return str(response)


def test_call_walks_to_completed_and_transcript_shows_what_was_said(sim: Sim, app: App) -> None:
    call = sim.create(to=HUMAN, url=app.route("answer", say("Hello from the smoke test")))

    assert call.status == "queued"
    assert call.direction == "outbound-api"
    sim.wait_status(call.sid, "completed")
    said = [entry["text"] for entry in sim.events(call.sid, "say")]
    assert said == ["Hello from the smoke test"]
    statuses = [entry["status"] for entry in sim.events(call.sid, "status")]
    assert statuses == ["initiated", "ringing", "in-progress", "completed"]
    fetched = sim.client.calls(call.sid).fetch()
    assert fetched.status == "completed"
    assert fetched.start_time is not None and fetched.end_time is not None


def test_status_callbacks_carry_what_twilio_sends_for_each_requested_event(
    sim: Sim, app: App
) -> None:
    call = sim.create(
        to=HUMAN,
        url=app.route("answer", say("One moment")),
        status_callback=app.url("status"),
        status_callback_event=ALL_EVENTS,
    )

    hits = app.wait_for("status", 4)
    assert [hit.get("CallStatus") for hit in hits] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert [hit.get("SequenceNumber") for hit in hits] == ["0", "1", "2", "3"]
    for hit in hits:
        assert hit.signature_ok
        assert hit.get("CallSid") == call.sid
        assert hit.get("CallbackSource") == "call-progress-events"
        assert parsedate_to_datetime(hit.get("Timestamp")).tzinfo is not None
        assert hit.get("Direction") == "outbound-api"
        assert hit.get("ApiVersion") == "2010-04-01"
        assert "ParentCallSid" not in hit.params
    completed = hits[-1]
    assert completed.get("SipResponseCode") == "200"
    assert int(completed.get("CallDuration")) >= 1
    assert completed.get("Duration") == "1"
    assert completed.get("CallDuration") == sim.client.calls(call.sid).fetch().duration


def test_without_status_callback_event_only_completed_is_sent(sim: Sim, app: App) -> None:
    sim.create(to=HUMAN, url=app.route("answer", say("Bye")), status_callback=app.url("status"))

    hits = app.wait_for("status")
    assert [hit.get("CallStatus") for hit in hits] == ["completed"]


@pytest.mark.parametrize(
    ("to", "options", "outcome", "sip_code"),
    [
        (BUSY, {}, "busy", "486"),
        (NO_ANSWER, {"timeout": 5}, "no-answer", "487"),
        (UNREACHABLE, {}, "failed", "404"),
    ],
)
def test_unanswered_calls_end_with_their_outcome_and_fetch_no_twiml(
    sim: Sim, app: App, to: str, options: dict, outcome: str, sip_code: str
) -> None:
    call = sim.create(
        to=to,
        url=app.route("answer", say("Nobody hears this")),
        status_callback=app.url("status"),
        **options,
    )

    completed = app.wait_for("status")[0]
    assert completed.get("CallStatus") == outcome
    assert completed.get("SipResponseCode") == sip_code
    assert completed.get("CallDuration") == "0"
    assert app.hits("answer") == []
    fetched = sim.client.calls(call.sid).fetch()
    assert (fetched.status, fetched.duration) == (outcome, "0")
    assert fetched.start_time is not None  # dialed, so started, though never answered


def test_timeout_turns_a_slow_answer_into_no_answer(sim: Sim, app: App) -> None:
    sim.phonebook("+14155550171", kind="human", answer_after=20)
    call = sim.create(to="+14155550171", url=app.route("answer", say("Too late")), timeout=5)

    sim.wait_status(call.sid, "no-answer")
    times = {entry["status"]: entry["t"] for entry in sim.events(call.sid, "status")}
    assert 5 <= times["no-answer"] - times["ringing"] < 50  # not the default 60 s
    assert app.hits("answer") == []


def test_cancel_ends_a_ringing_call_without_running_its_twiml(sim: Sim, app: App) -> None:
    sim.phonebook("+14155550172", kind="human", answer_after=50)
    call = sim.create(to="+14155550172", url=app.route("answer", say("Never said")))
    sim.wait_status(call.sid, "ringing")

    updated = sim.client.calls(call.sid).update(status="canceled")

    assert updated.sid == call.sid
    sim.wait_status(call.sid, "canceled")
    assert sim.client.calls(call.sid).fetch().status == "canceled"
    assert app.hits("answer") == []


def test_cancel_does_nothing_to_an_in_progress_call_and_completed_hangs_it_up(
    sim: Sim, app: App
) -> None:
    call = sim.create(to=HUMAN, url=app.route("hold", hold_music()))
    sim.wait_event(call.sid, "play")

    assert sim.client.calls(call.sid).update(status="canceled").status == "in-progress"
    sim.wait_event(call.sid, "cancel-ignored")
    assert sim.client.calls(call.sid).fetch().status == "in-progress"

    assert sim.client.calls(call.sid).update(status="completed").status == "completed"
    sim.wait_event(call.sid, "play-interrupted")


def test_far_end_hanging_up_completes_the_call(sim: Sim, app: App) -> None:
    call = sim.create(to=SHORT_TALKER, url=app.route("hold", hold_music()))

    sim.wait_status(call.sid, "completed")
    assert sim.events(call.sid, "hangup")[0]["reason"] == "far end hung up"
    assert 4 <= int(sim.client.calls(call.sid).fetch().duration) <= 20


def test_time_limit_ends_the_call(sim: Sim, app: App) -> None:
    call = sim.create(to=HUMAN, url=app.route("hold", hold_music()), time_limit=8)

    sim.wait_status(call.sid, "completed")
    assert sim.events(call.sid, "hangup")[0]["reason"] == "time limit reached"
    assert 7 <= int(sim.client.calls(call.sid).fetch().duration) <= 25


def test_a_time_limit_update_restarts_the_countdown(sim: Sim, app: App) -> None:
    call = sim.create(to=HUMAN, url=app.route("hold", hold_music()), time_limit=40)
    sim.wait_status(call.sid, "in-progress")

    sim.client.calls(call.sid).update(time_limit=80)

    sim.wait_status(call.sid, "completed")
    assert 70 <= int(sim.client.calls(call.sid).fetch().duration) <= 150


def test_send_digits_reach_the_far_end_before_the_twiml_runs(sim: Sim, app: App) -> None:
    call = sim.create(
        to=HUMAN, url=app.route("answer", say("Extension reached")), send_digits="1234#"
    )

    sim.wait_status(call.sid, "completed")
    events = [entry["event"] for entry in sim.transcript(call.sid)]
    assert sim.events(call.sid, "digits-sent")[0]["digits"] == "1234#"
    assert events.index("digits-sent") < events.index("fetch")


def test_twiml_requests_are_signed_with_twilio_parameters_for_get_and_post(
    sim: Sim, app: App
) -> None:
    for method in ("GET", "POST"):
        sim.create(to=HUMAN, url=app.route(f"answer-{method}", say("Signed")), method=method)
        hit = app.wait_for(f"answer-{method}")[0]
        assert hit.method == method
        assert hit.signature_ok
        assert hit.get("CallStatus") == "in-progress"
        assert hit.get("To") == HUMAN and hit.get("Called") == HUMAN
        assert hit.get("From") == "+14155550100" and hit.get("Caller") == "+14155550100"
        assert hit.get("AccountSid").startswith("AC")
        assert hit.get("CallToken")


def test_inline_twiml_runs_without_any_fetch(sim: Sim) -> None:
    call = sim.create(to=HUMAN, twiml=say("Inline words"))

    sim.wait_status(call.sid, "completed")
    assert [entry["text"] for entry in sim.events(call.sid, "say")] == ["Inline words"]
    assert sim.events(call.sid, "fetch") == []


def test_a_verb_twilio_has_is_skipped_as_not_simulated_and_a_misspelt_one_warns_12200(
    sim: Sim, app: App
) -> None:
    twiml = (
        "<Response><Connect><Stream url='wss://example.com/s'/></Connect>"
        "<say>lower case</say><Say>Still here</Say></Response>"
    )
    call = sim.create(to=HUMAN, twiml=twiml)

    sim.wait_event(call.sid, "say", text="Still here")
    [skipped] = [e for e in sim.events(call.sid, "verb") if e["verb"] == "Connect"]
    assert "not simulated" in skipped["note"]
    [warning] = sim.events(call.sid, "warning")
    assert warning["code"] == 12200 and "<say>" in warning["message"]
    sim.hang_up(call.sid)
