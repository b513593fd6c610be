"""Answering machine detection, synchronous (AnsweredBy on the TwiML request)
and asynchronous (the AsyncAmdStatusCallback), per far end."""

from __future__ import annotations

import pytest

from tests.voicesim.conftest import FAX, HUMAN, MACHINE, MACHINE_WITHOUT_BEEP, App, Sim

LEAVE_MESSAGE = "<Response><Say>Please call us back</Say></Response>"


@pytest.mark.parametrize(
    ("mode", "to", "answered_by"),
    [
        ("Enable", HUMAN, "human"),
        ("Enable", MACHINE, "machine_start"),
        ("Enable", FAX, "fax"),
        ("DetectMessageEnd", HUMAN, "human"),
        ("DetectMessageEnd", MACHINE, "machine_end_beep"),
        ("DetectMessageEnd", MACHINE_WITHOUT_BEEP, "machine_end_silence"),
    ],
)
def test_sync_detection_puts_answered_by_on_the_twiml_request(
    sim: Sim, app: App, mode: str, to: str, answered_by: str
) -> None:
    call = sim.create(to=to, url=app.route("answer", LEAVE_MESSAGE), machine_detection=mode)

    hit = app.wait_for("answer")[0]
    assert hit.get("AnsweredBy") == answered_by
    assert int(hit.get("MachineDetectionDuration")) > 0
    sim.wait_status(call.sid, "completed")
    assert sim.client.calls(call.sid).fetch().answered_by == answered_by


def test_message_end_detection_waits_for_the_beep_before_the_twiml(sim: Sim, app: App) -> None:
    call = sim.create(
        to=MACHINE, url=app.route("answer", LEAVE_MESSAGE), machine_detection="DetectMessageEnd"
    )

    sim.wait_status(call.sid, "completed")
    times = {entry["event"]: entry["t"] for entry in sim.transcript(call.sid)}
    answered = next(e["t"] for e in sim.events(call.sid, "status") if e["status"] == "in-progress")
    assert times["fetch"] - answered >= 5  # the 5 s greeting of the built-in machine


def test_detection_timeout_answers_unknown(sim: Sim, app: App) -> None:
    sim.phonebook("+14155550181", kind="machine", greeting=40)
    sim.create(
        to="+14155550181",
        url=app.route("answer", LEAVE_MESSAGE),
        machine_detection="DetectMessageEnd",
        machine_detection_timeout=3,
    )

    assert app.wait_for("answer")[0].get("AnsweredBy") == "unknown"


@pytest.mark.parametrize(
    ("mode", "answered_by", "took"),
    [("Enable", "machine_start", 2000), ("DetectMessageEnd", "machine_end_beep", 5000)],
)
def test_async_detection_runs_the_twiml_at_once_and_posts_the_verdict(
    sim: Sim, app: App, mode: str, answered_by: str, took: int
) -> None:
    call = sim.create(
        to=MACHINE,
        url=app.route("answer", '<Response><Pause length="30"/></Response>'),
        machine_detection=mode,
        async_amd=True,
        async_amd_status_callback=app.url("amd"),
        async_amd_status_callback_method="POST",
    )

    verdict = app.wait_for("amd")[0]
    twiml = app.hits("answer")[0]
    assert twiml.at < verdict.at
    assert "AnsweredBy" not in twiml.params
    assert verdict.signature_ok
    assert (verdict.get("CallSid"), verdict.get("AnsweredBy")) == (call.sid, answered_by)
    assert int(verdict.get("MachineDetectionDuration")) >= took
    sim.hang_up(call.sid)


@pytest.mark.parametrize("asynchronous", [False, True])
def test_send_digits_turns_detection_off_as_on_twilio(
    sim: Sim, app: App, asynchronous: bool
) -> None:
    call = sim.create(
        to=MACHINE,
        url=app.route("answer", LEAVE_MESSAGE),
        machine_detection="DetectMessageEnd",
        async_amd=asynchronous,
        async_amd_status_callback=app.url("amd"),
        send_digits="1",
    )

    hit = app.wait_for("answer")[0]
    assert hit.get("AnsweredBy") is None
    sim.wait_status(call.sid, "completed")
    assert sim.client.calls(call.sid).fetch().answered_by is None
    assert [e["mode"] for e in sim.events(call.sid, "amd-ignored")] == ["DetectMessageEnd"]
    assert app.hits("amd") == []
