"""``/sim/`` and the command line: the built-in phonebook, inbound calls,
far-end hang-ups, call listing, and a phonebook file."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.voicesim.conftest import (
    BUSY,
    FAX,
    HUMAN,
    MACHINE,
    MACHINE_WITHOUT_BEEP,
    NO_ANSWER,
    PRESSES_123,
    SHORT_TALKER,
    UNREACHABLE,
    App,
    Sim,
)
from voicesim.process import start_simulator


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (HUMAN, {"kind": "human", "talk_for": 600.0, "digits": []}),
        (BUSY, {"kind": "busy"}),
        (NO_ANSWER, {"kind": "no-answer"}),
        (MACHINE, {"kind": "machine", "beep": True}),
        (FAX, {"kind": "fax"}),
        (UNREACHABLE, {"kind": "failed"}),
        (PRESSES_123, {"kind": "human", "digits": ["123"]}),
        (SHORT_TALKER, {"kind": "human", "talk_for": 5.0}),
        (MACHINE_WITHOUT_BEEP, {"kind": "machine", "beep": False}),
        ("+15550006987", {"kind": "human", "digits": ["987"]}),
    ],
)
def test_built_in_phonebook_rules_by_number_pattern(sim: Sim, number: str, expected: dict) -> None:
    behaviour = sim.http.get(f"/sim/phonebook/{number}").json()

    assert behaviour == {**behaviour, **expected}


def test_a_number_set_through_sim_changes_what_the_far_end_does(sim: Sim, app: App) -> None:
    sim.phonebook("+14155550199", kind="busy")

    call = sim.create(to="+14155550199", twiml="<Response/>")

    sim.wait_status(call.sid, "busy")
    bad = sim.http.put("/sim/phonebook/+14155550199", json={"kind": "dragon"})
    assert bad.status_code == 400
    assert sim.http.get("/sim/phonebook/+14155550199").json()["kind"] == "busy"


def test_inbound_call_runs_the_voice_url_with_inbound_parameters(sim: Sim, app: App) -> None:
    url = app.route("voice", "<Response><Say>Welcome to support</Say></Response>")

    answer = sim.http.post(
        "/sim/inbound",
        json={
            "from": "(415) 555-0177",
            "to": "+14155550100",
            "url": url,
            "status_callback": app.url("status"),
        },
    )

    assert answer.status_code == 201
    sid = answer.json()["sid"]
    hit = app.wait_for("voice")[0]
    assert (hit.get("Direction"), hit.get("From"), hit.get("To")) == (
        "inbound",
        "+14155550177",
        "+14155550100",
    )
    assert hit.get("CallStatus") == "ringing"
    sim.wait_status(sid, "completed")
    assert app.wait_for("status")[0].get("CallStatus") == "completed"
    assert sim.client.calls(sid).fetch().direction == "inbound"


@pytest.mark.parametrize(
    "body",
    [
        {"from": "nobody", "to": "+14155550100", "twiml": "<Response/>"},
        {"from": HUMAN, "to": "+14155550100"},
        {"from": HUMAN, "to": "+14155550100", "twiml": "<Response><Say>unclosed</Response>"},
        {"from": HUMAN, "to": "+14155550100", "twiml": "<Response/>", "status_callback_event": "x"},
    ],
)
def test_a_bad_inbound_request_is_refused_and_places_no_call(sim: Sim, body: dict) -> None:
    before = len(sim.http.get("/sim/calls").json()["calls"])

    answer = sim.http.post("/sim/inbound", json=body)

    assert answer.status_code == 400
    assert set(answer.json()) == {"code", "message", "more_info", "status"}
    assert len(sim.http.get("/sim/calls").json()["calls"]) == before


def test_far_end_hang_up_through_sim_ends_a_live_call(sim: Sim, app: App) -> None:
    call = sim.create(
        to=HUMAN, url=app.route("hold", '<Response><Play loop="0">x.mp3</Play></Response>')
    )
    sim.wait_event(call.sid, "play")

    answer = sim.http.post(f"/sim/calls/{call.sid}/hangup")

    assert answer.json() == {"sid": call.sid, "status": "completed"}
    sim.wait_event(call.sid, "play-interrupted")
    assert sim.http.post(f"/sim/calls/{call.sid}/hangup").status_code == 400


def test_sim_calls_lists_every_call_with_its_state(sim: Sim) -> None:
    call = sim.create(to=BUSY, twiml="<Response/>")
    sim.wait_status(call.sid, "busy")

    body = sim.http.get("/sim/calls", params={"status": "busy"}).json()

    assert {"calls", "live", "speed"} <= set(body)
    mine = next(entry for entry in body["calls"] if entry["sid"] == call.sid)
    assert (mine["status"], mine["to"], mine["direction"]) == ("busy", BUSY, "outbound-api")
    assert all(entry["status"] == "busy" for entry in body["calls"])
    transcript = sim.http.get(f"/sim/calls/{call.sid}/transcript").json()
    assert transcript["sid"] == call.sid
    first = transcript["entries"][0]
    assert {"seq", "t", "at", "event"} <= set(first)
    assert sim.http.get("/sim/calls/CA" + "0" * 32 + "/transcript").status_code == 404


def test_command_line_prints_its_url_and_reads_a_phonebook_file(tmp_path: Path) -> None:
    book = tmp_path / "phonebook.toml"
    book.write_text(
        '[numbers."+14155550111"]\nkind = "fax"\n\n'
        '[[patterns]]\nmatch = "^\\\\+1800"\nkind = "busy"\n'
    )
    process = start_simulator("--phonebook", str(book))
    try:
        assert process.base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=process.base_url) as http:
            assert http.get("/sim/phonebook/4155550111").json()["kind"] == "fax"
            assert http.get("/sim/phonebook/+18005550000").json()["kind"] == "busy"
            assert http.get("/sim/phonebook/+14155550112").json()["kind"] == "human"
    finally:
        process.stop()
