"""Fixtures for the voicesim suite: the real simulator process, the real
``twilio`` client pointed at it, and a recording webhook server.

Nothing here touches the Django database: these tests never request ``db``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from twilio.rest import Client

from tests.voicesim.schema import ValidatingHttpClient
from tests.voicesim.webhook_server import Hit, Responder, WebhookServer
from voicesim.app import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from voicesim.process import SimulatorProcess, start_simulator

#: simulated seconds per real second: a 60 s ring timeout takes 0.6 s
SPEED = 100.0
ACCOUNT_SID = "AC" + "a1" * 16
AUTH_TOKEN = "test-auth-token"
CALLER = "+14155550100"
# Far ends by the built-in phonebook rules (see README, "## voicesim").
HUMAN = "+14155550123"
BUSY = "+15550001000"
NO_ANSWER = "+15550002000"
MACHINE = "+15550003000"
FAX = "+15550004000"
UNREACHABLE = "+15550005000"
PRESSES_123 = "+15550006123"
SHORT_TALKER = "+15550007000"
MACHINE_WITHOUT_BEEP = "+15550008000"
assert ACCOUNT_SID != DEFAULT_ACCOUNT_SID and AUTH_TOKEN != DEFAULT_AUTH_TOKEN


@dataclass
class Sim:
    """A running simulator: its URL, an httpx client for /sim/, a twilio client."""

    base_url: str
    http: httpx.Client
    client: Client

    def transcript(self, sid: str) -> list[dict[str, Any]]:
        return self.http.get(f"/sim/calls/{sid}/transcript").json()["entries"]

    def events(self, sid: str, event: str) -> list[dict[str, Any]]:
        return [e for e in self.transcript(sid) if e["event"] == event]

    def wait_status(self, sid: str, *statuses: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        info: dict[str, Any] = {}
        while time.monotonic() < deadline:
            info = self.http.get(f"/sim/calls/{sid}").json()
            if info["status"] in statuses:
                return info
            time.sleep(0.01)
        raise AssertionError(f"{sid} never reached {statuses}: {info}")

    def wait_event(self, sid: str, event: str, timeout: float = 10.0, **match: Any) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in self.transcript(sid):
                if entry["event"] == event and all(entry.get(k) == v for k, v in match.items()):
                    return entry
            time.sleep(0.01)
        raise AssertionError(f"{event} {match} not in transcript of {sid}: {self.transcript(sid)}")

    def phonebook(self, number: str, **behaviour: Any) -> None:
        response = self.http.put(f"/sim/phonebook/{number}", json=behaviour)
        assert response.status_code == 200, response.text

    def create(self, **kwargs: Any) -> Any:
        kwargs.setdefault("from_", CALLER)
        return self.client.calls.create(**kwargs)

    def say(self, sid: str, text: str) -> list[str]:
        """The far end of ``sid`` speaks; the SIDs of the calls that heard it."""
        response = self.http.post(f"/sim/calls/{sid}/say", json={"text": text})
        assert response.status_code == 200, response.text
        return response.json()["heard_by"]

    def heard(self, sid: str, source: str | None = None) -> list[dict[str, Any]]:
        """What the far end of ``sid`` heard (of one ``source`` when given)."""
        entries = self.events(sid, "heard")
        return [e for e in entries if source is None or e["source"] == source]

    def now(self) -> float:
        """The simulator's clock, in simulated seconds."""
        return self.http.get("/sim/clock").json()["now"]

    def let_pass(self, sim_seconds: float, timeout: float = 10.0) -> None:
        """Return once ``sim_seconds`` of simulated time have passed (read off its clock)."""
        until = self.now() + sim_seconds
        deadline = time.monotonic() + timeout
        while self.now() < until:
            assert time.monotonic() < deadline, "the simulator's clock stopped"
            time.sleep(0.005)

    def hang_up(self, sid: str) -> None:
        """Leave no live call behind (hold music loops for minutes)."""
        self.http.post(f"/sim/calls/{sid}/hangup")


@dataclass
class App:
    """One test's corner of the webhook server: its own paths, its own hits."""

    server: WebhookServer
    prefix: str

    def route(self, name: str, answer: Responder) -> str:
        return self.server.route(f"{self.prefix}/{name}", answer)

    def url(self, name: str) -> str:
        return self.server.url(f"{self.prefix}/{name}")

    def hits(self, name: str) -> list[Hit]:
        return self.server.hits_for(f"{self.prefix}/{name}")

    def wait_for(self, name: str, count: int = 1, **match: Any) -> list[Hit]:
        return self.server.wait_for(f"{self.prefix}/{name}", count, **match)

    def sequence(self) -> list[str]:
        """The names of this test's paths in the order they were requested."""
        mine = f"{self.prefix}/"
        with self.server.lock:
            return [
                hit.path.removeprefix(mine) for hit in self.server.hits if hit.path.startswith(mine)
            ]


@pytest.fixture(scope="session")
def simulator() -> Iterator[SimulatorProcess]:
    process = start_simulator(
        "--speed", str(SPEED), "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN
    )
    yield process
    process.stop()


@pytest.fixture(scope="session")
def sim(simulator: SimulatorProcess) -> Iterator[Sim]:
    http = httpx.Client(base_url=simulator.base_url, timeout=10)
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=ValidatingHttpClient(simulator.base_url))
    yield Sim(simulator.base_url, http, client)
    http.close()


@pytest.fixture(scope="session")
def webhooks() -> Iterator[WebhookServer]:
    server = WebhookServer(AUTH_TOKEN)
    yield server
    server.stop()


@pytest.fixture
def app(webhooks: WebhookServer, request: pytest.FixtureRequest) -> App:
    return App(webhooks, re.sub(r"\W+", "-", request.node.name))
