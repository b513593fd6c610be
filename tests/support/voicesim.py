"""A handle on a running voicesim: its REST API through the real `twilio`
client, and its /sim/ inspection endpoints."""

from dataclasses import dataclass, field

import httpx
from twilio.rest import Client

from voicesim.twilio_client import simulator_client


@dataclass
class VoiceSim:
    base_url: str
    account_sid: str
    auth_token: str
    speed: float
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
        return self.sim("GET", "calls").json()["calls"]
