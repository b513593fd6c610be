"""A handle on a running voicesim: its REST API through the real `twilio`
client, and its /sim/ inspection endpoints."""

import dataclasses
from dataclasses import dataclass, field

import httpx
from twilio.rest import Client

from tests.support.processes import wait_until
from voicesim.calls import LIVE_STATUSES
from voicesim.twilio_client import simulator_client


@dataclass
class VoiceSim:
    base_url: str
    account_sid: str
    auth_token: str
    speed: float
    # Calls of earlier tests in the session, which this handle does not list.
    earlier: frozenset[str] = frozenset()
    _http: httpx.Client = field(init=False, repr=False)

    def __post_init__(self):
        self._http = httpx.Client(base_url=self.base_url, timeout=10)

    @property
    def client(self) -> Client:
        return simulator_client(self.base_url, self.account_sid, self.auth_token)

    def sim(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = self._http.request(
            method, f"/sim/{path}", auth=(self.account_sid, self.auth_token), **kwargs
        )
        response.raise_for_status()
        return response

    def transcript(self, sid: str) -> list[dict]:
        return self.sim("GET", f"calls/{sid}/transcript").json()["entries"]

    def calls(self) -> list[dict]:
        calls = self.sim("GET", "calls").json()["calls"]
        return [call for call in calls if call["sid"] not in self.earlier]

    def from_now_on(self) -> "VoiceSim":
        """A handle for one test: the calls made before it are not listed."""
        return dataclasses.replace(self, earlier=frozenset(c["sid"] for c in self.calls()))

    def hang_up_all(self) -> None:
        """End every live call, so none calls back into a later test."""
        if not self.sim("GET", "stats").json()["live"]:
            return
        for call in self.sim("GET", "calls").json()["calls"]:
            if call["status"] not in LIVE_STATUSES:
                continue
            # One that ended meanwhile answers 400: it is over either way.
            self._http.post(
                f"/sim/calls/{call['sid']}/hangup", auth=(self.account_sid, self.auth_token)
            )
        wait_until(lambda: not self.sim("GET", "stats").json()["live"], timeout=10)
