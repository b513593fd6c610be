"""Point the official ``twilio`` client at the simulator.

facts.md: a ``TwilioHttpClient`` subclass that swaps scheme and host of any
``*.twilio.com`` URL is the robust way (it survives ``edge``/``region``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client


class SimulatorHttpClient(TwilioHttpClient):
    """Sends every request meant for ``*.twilio.com`` to ``base_url`` instead."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        parts = urlsplit(base_url)
        self._scheme, self._netloc = parts.scheme, parts.netloc

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host == "twilio.com" or host.endswith(".twilio.com"):
            url = urlunsplit((self._scheme, self._netloc, parts.path, parts.query, parts.fragment))
        return super().request(method, url, *args, **kwargs)


def simulator_client(base_url: str, account_sid: str, auth_token: str) -> Client:
    return Client(account_sid, auth_token, http_client=SimulatorHttpClient(base_url))
