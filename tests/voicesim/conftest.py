"""Fixtures for the voicesim suite: the real simulator process, the real
``twilio`` client pointed at it, and a recording webhook server.

Nothing here touches the Django database: these tests never request ``db``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from twilio.rest import Client

from tests.voicesim.webhook_server import WebhookServer
from voicesim.app import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from voicesim.process import start_simulator
from voicesim.twilio_client import simulator_client

SPEED = 50.0
ACCOUNT_SID = "AC" + "a1" * 16
AUTH_TOKEN = "test-auth-token"
assert ACCOUNT_SID != DEFAULT_ACCOUNT_SID and AUTH_TOKEN != DEFAULT_AUTH_TOKEN


@dataclass
class Sim:
    """A running simulator: its URL, an httpx client for /sim/, a twilio client."""

    base_url: str
    http: httpx.Client
    client: Client
    speed: float = SPEED

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
            time.sleep(0.02)
        raise AssertionError(f"{sid} never reached {statuses}: {info}")

    def wait_event(self, sid: str, event: str, timeout: float = 10.0, **match: Any) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in self.transcript(sid):
                if entry["event"] == event and all(entry.get(k) == v for k, v in match.items()):
                    return entry
            time.sleep(0.02)
        raise AssertionError(f"{event} {match} not in transcript of {sid}: {self.transcript(sid)}")

    def phonebook(self, number: str, **behaviour: Any) -> None:
        response = self.http.put(f"/sim/phonebook/{number}", json=behaviour)
        assert response.status_code == 200, response.text

    def create(self, **kwargs: Any) -> Any:
        kwargs.setdefault("from_", "+14155550100")
        return self.client.calls.create(**kwargs)


@pytest.fixture(scope="session")
def sim() -> Iterator[Sim]:
    process = start_simulator(
        "--speed", str(SPEED), "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN
    )
    http = httpx.Client(base_url=process.base_url, timeout=10)
    try:
        yield Sim(
            process.base_url, http, simulator_client(process.base_url, ACCOUNT_SID, AUTH_TOKEN)
        )
    finally:
        http.close()
        process.stop()


@pytest.fixture(scope="session")
def web() -> Iterator[WebhookServer]:
    server = WebhookServer(AUTH_TOKEN)
    yield server
    server.stop()
