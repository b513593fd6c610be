"""A handle on a running voicesim: its REST API through the real `twilio`
client, and its /sim/ inspection endpoints."""

from dataclasses import dataclass, field

import httpx
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client


class _RedirectingHttpClient(TwilioHttpClient):
    """Sends the real client's requests to voicesim instead of api.twilio.com."""

    def __init__(self, base_url: str):
        super().__init__(timeout=10)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        for host in ("https://api.twilio.com", "https://api.us1.twilio.com"):
            if url.startswith(host):
                url = self.base_url + url[len(host) :]
        return super().request(method, url, *args, **kwargs)


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
        return Client(
            self.account_sid,
            self.auth_token,
            http_client=_RedirectingHttpClient(self.base_url),
        )

    def sim(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = self._http.request(
            method, f"/sim/{path}", auth=(self.account_sid, self.auth_token), **kwargs
        )
        response.raise_for_status()
        return response

    def transcript(self, sid: str) -> list[dict]:
        body = self.sim("GET", f"calls/{sid}/transcript").json()
        return body["entries"] if isinstance(body, dict) and "entries" in body else body

    def calls(self) -> list[dict]:
        body = self.sim("GET", "calls").json()
        return body["calls"] if isinstance(body, dict) and "calls" in body else body
