"""Injected faults and the account's limits: off by default, switched on
through ``/sim/faults`` and ``/sim/limits`` for one test at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from tests.voicesim.conftest import HUMAN, App, Sim

ALL_EVENTS = ["initiated", "ringing", "answered", "completed"]
HOLD = "<Response><Pause length='600'/></Response>"


@pytest.fixture
def inject(sim: Sim) -> Iterator[Callable[..., None]]:
    """Switch faults or limits on; both are cleared after the test."""

    def put(kind: str, **values: Any) -> None:
        answer = sim.http.put(f"/sim/{kind}", json=values)
        assert answer.status_code == 200, answer.text

    yield put
    put("faults")
    put("limits")


def test_no_fault_is_on_by_default(sim: Sim) -> None:
    faults = sim.http.get("/sim/faults").json()
    assert not any(v for k, v in faults.items() if k != "seed")
    assert sim.http.get("/sim/limits").json() == {"calls_per_second": 0.0, "max_concurrent": 0}


def test_duplicate_callbacks_deliver_each_status_twice(sim: Sim, app: App, inject) -> None:
    inject("faults", duplicate_callbacks=True)
    sim.create(to=HUMAN, twiml="<Response/>", status_callback=app.url("status"))

    hits = app.wait_for("status", 2)
    assert [h.get("CallStatus") for h in hits] == ["completed", "completed"]
    assert hits[0].get("SequenceNumber") == hits[1].get("SequenceNumber")


def test_reordered_callbacks_arrive_in_swapped_pairs(sim: Sim, app: App, inject) -> None:
    inject("faults", reordered_callbacks=True)
    call = sim.create(
        to=HUMAN,
        twiml="<Response/>",
        status_callback=app.url("status"),
        status_callback_event=ALL_EVENTS,
    )
    sim.wait_status(call.sid, "completed")

    hits = app.wait_for("status", 4)
    assert [h.get("CallStatus") for h in hits] == [
        "ringing",
        "initiated",
        "completed",
        "in-progress",
    ]


def test_the_first_update_after_the_answer_is_refused_with_21220_once(sim: Sim, inject) -> None:
    inject("faults", update_21220_after_answer=True)
    call = sim.create(to=HUMAN, twiml=HOLD)
    sim.wait_status(call.sid, "in-progress")
    redirect = "<Response><Say>Moved</Say></Response>"

    with pytest.raises(TwilioRestException) as error:
        sim.client.calls(call.sid).update(twiml=redirect)
    assert (error.value.status, error.value.code) == (400, 21220)
    sim.client.calls(call.sid).update(twiml=redirect)
    sim.wait_event(call.sid, "say", text="Moved")
    sim.hang_up(call.sid)


def test_a_webhook_timeout_is_11205_after_15_seconds_then_the_fallback(
    sim: Sim, app: App, inject
) -> None:
    inject("faults", webhook_timeout=True)
    call = sim.create(
        to=HUMAN,
        url=app.route("answer", "<Response><Say>Never heard</Say></Response>"),
        fallback_url=app.route("fallback", "<Response><Say>Fallback</Say></Response>"),
    )

    [fallback] = app.wait_for("fallback")
    assert fallback.get("ErrorCode") == "11205"
    sim.wait_event(call.sid, "say", text="Fallback")
    [error] = [e for e in sim.events(call.sid, "error") if e.get("code") == 11205]
    answered = sim.wait_event(call.sid, "status", status="in-progress")
    assert error["t"] - answered["t"] >= 15
    assert app.hits("answer") == []


def test_creates_answer_20429_and_requests_500_at_their_share(sim: Sim, inject) -> None:
    inject("faults", create_429=1.0)
    with pytest.raises(TwilioRestException) as error:
        sim.create(to=HUMAN, twiml="<Response/>")
    assert (error.value.status, error.value.code) == (429, 20429)

    inject("faults", api_5xx=1.0)
    with pytest.raises(TwilioRestException) as error:
        sim.client.calls("CA" + "0" * 32).fetch()
    assert (error.value.status, error.value.code) == (500, 20500)


def test_an_unknown_fault_is_refused_by_name(sim: Sim) -> None:
    answer = sim.http.put("/sim/faults", json={"lightning": True})
    assert answer.status_code == 400 and "lightning" in answer.json()["message"]


def test_creates_over_the_rate_wait_their_turn_with_a_queue_time(sim: Sim, inject) -> None:
    inject("limits", calls_per_second=0.05)  # one call dialed every 20 simulated seconds
    calls = [sim.create(to=HUMAN, twiml="<Response/>") for _ in range(3)]
    for call in calls:
        sim.wait_status(call.sid, "completed")

    dialed = []
    for call in calls:
        waited = int(sim.client.calls(call.sid).fetch().queue_time) / 1000
        initiated = sim.wait_event(call.sid, "status", status="initiated")["t"]
        assert initiated >= waited  # queued for its turn, then dialed
        dialed.append(sim.http.get(f"/sim/calls/{call.sid}").json()["created_sim"] + waited)
    assert dialed[1] - dialed[0] >= 20 - 0.01
    assert dialed[2] - dialed[1] >= 20 - 0.01


def test_a_call_over_the_concurrency_limit_fails_with_10004(sim: Sim, inject) -> None:
    inject("limits", max_concurrent=1)
    first = sim.create(to=HUMAN, twiml=HOLD)
    sim.wait_status(first.sid, "in-progress")

    second = sim.create(to=HUMAN, twiml=HOLD)
    sim.wait_status(second.sid, "failed")
    assert sim.http.get(f"/sim/calls/{second.sid}").json()["error_code"] == 10004
    sim.hang_up(first.sid)
