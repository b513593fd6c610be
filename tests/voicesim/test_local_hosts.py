"""voicesim requests this machine's hosts only (and those given with
``--allow-host``): an outside URL is refused where the API takes it, and one
met in a document is never requested."""

from __future__ import annotations

import socket

import pytest
from twilio.base.exceptions import TwilioRestException

from tests.voicesim.conftest import ACCOUNT_SID, AUTH_TOKEN, BUSY, HUMAN, App, Sim
from voicesim.local_hosts import LocalHosts
from voicesim.process import start_simulator
from voicesim.twilio_client import simulator_client

OUTSIDE = "https://example.com/answer"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/twilio/voice",
        "http://127.8.9.10/x",
        "http://[::1]:8000/x",
        "http://LOCALHOST:8000/x",
        f"https://{socket.gethostname().upper()}/x",
    ],
)
def test_this_machines_hosts_are_local(url: str) -> None:
    assert LocalHosts().allows(url)


@pytest.mark.parametrize(
    "url",
    ["https://example.com/x", "http://10.0.0.5/x", "http://localhost.example.com/x", "nonsense"],
)
def test_other_hosts_are_not(url: str) -> None:
    assert not LocalHosts().allows(url)


def test_a_host_given_is_local_whatever_its_case() -> None:
    assert LocalHosts(["CallCenter.internal"]).allows("http://callcenter.internal./x")


@pytest.mark.parametrize("parameter", ["url", "status_callback", "fallback_url"])
def test_a_call_to_an_outside_url_is_refused_and_not_placed(sim: Sim, parameter: str) -> None:
    before = len(sim.client.calls.list(to=HUMAN, from_="+14155550146"))
    urls = {"url": "http://127.0.0.1:9/answer", parameter: OUTSIDE}

    with pytest.raises(TwilioRestException) as refused:
        sim.create(to=HUMAN, from_="+14155550146", **urls)

    assert (refused.value.status, refused.value.code) == (400, 21205)
    assert OUTSIDE in refused.value.msg and "--allow-host" in refused.value.msg
    assert len(sim.client.calls.list(to=HUMAN, from_="+14155550146")) == before


def test_a_live_call_is_not_redirected_outside(sim: Sim, app: App) -> None:
    hold = '<Response><Pause length="600"/></Response>'
    call = sim.create(to=HUMAN, url=app.route("hold", hold))
    sim.wait_event(call.sid, "pause")

    with pytest.raises(TwilioRestException) as refused:
        sim.client.calls(call.sid).update(url=OUTSIDE)

    assert refused.value.code == 21205
    assert sim.http.get(f"/sim/calls/{call.sid}").json()["status"] == "in-progress"
    sim.hang_up(call.sid)


def test_an_outside_url_in_a_document_is_never_requested(sim: Sim, app: App) -> None:
    redirect = f"<Response><Redirect>{OUTSIDE}</Redirect></Response>"
    call = sim.create(to=HUMAN, url=app.route("start", redirect))

    assert sim.wait_status(call.sid, "completed")["error_code"] == 11200
    [fetch] = [e for e in sim.events(call.sid, "fetch") if e["url"] == OUTSIDE]
    assert fetch["http_status"] == 0 and "not requested" in fetch["error"]


def test_allow_host_lets_a_named_host_be_given() -> None:
    process = start_simulator(
        *("--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN),
        *("--allow-host", "callcenter.internal"),
    )
    try:
        client = simulator_client(process.base_url, ACCOUNT_SID, AUTH_TOKEN)
        # a busy line: no document is ever fetched, so nothing leaves for that name
        call = client.calls.create(
            to=BUSY, from_="+14155550100", url="http://callcenter.internal/a"
        )
        assert call.status == "queued"
        with pytest.raises(TwilioRestException):
            client.calls.create(to=BUSY, from_="+14155550100", url=OUTSIDE)
    finally:
        process.stop()
