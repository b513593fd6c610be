"""The `twilio` library's HTTP client, sent to another base URL than Twilio's.

The back office's gateway (`calls/telephony.py`) reaches voicesim through it
when `TWILIO_API_BASE_URL` is not Twilio, and voicesim's client helper
(`voicesim/twilio_client.py`) hands it to tests and benchmarks. It lives
apart from both so that neither imports the other: voicesim stays a
simulator that knows nothing of the product.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient


def is_twilio_host(url: str) -> bool:
    """Whether `url` is Twilio's own (`twilio.com` or any of its subdomains)."""
    host = urlsplit(url).hostname or ""
    return host == "twilio.com" or host.endswith(".twilio.com")


class RebasedHttpClient(TwilioHttpClient):
    """Sends every request meant for `*.twilio.com` to a configured base URL.

    Swapping scheme and host in `request()` keeps working whatever edge or
    region the client was told to use, unlike patching `client.api.base_url`
    (facts.md).
    """

    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        self.base = urlsplit(base_url.rstrip("/"))

    def rebase(self, url: str) -> str:
        if not is_twilio_host(url):
            return url
        parts = urlsplit(url)
        return urlunsplit(
            (
                self.base.scheme,
                self.base.netloc,
                self.base.path + parts.path,
                parts.query,
                parts.fragment,
            )
        )

    def request(self, method: str, url: str, *args, **kwargs):
        return super().request(method, self.rebase(url), *args, **kwargs)
