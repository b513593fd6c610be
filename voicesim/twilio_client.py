"""Point the official ``twilio`` client at the simulator.

facts.md: a ``TwilioHttpClient`` subclass that swaps scheme and host of any
``*.twilio.com`` URL is the robust way (it survives ``edge``/``region``). The
back office's gateway uses the same one (``twilio_rebase``), so tests and
benchmarks reach voicesim as the product does.
"""

from __future__ import annotations

from twilio.rest import Client

from twilio_rebase import RebasedHttpClient


def simulator_client(base_url: str, account_sid: str, auth_token: str) -> Client:
    return Client(account_sid, auth_token, http_client=RebasedHttpClient(base_url))
