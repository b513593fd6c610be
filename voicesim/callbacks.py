"""Signed webhook requests, as Twilio sends them.

Every request carries ``X-Twilio-Signature`` computed with the account's auth
token by the official ``RequestValidator``, so the receiving side can validate
with the very same class. GET requests carry their parameters in the query
string (and are signed over the full URL with no body params), POST requests
form-encode them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)

USER_AGENT = "TwilioProxy/1.1 (voicesim)"


@dataclass
class WebhookAnswer:
    """The outcome of one webhook request (``status`` 0 when unreachable)."""

    url: str
    method: str
    status: int
    text: str
    content_type: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400 and self.error is None


def with_query(url: str, params: dict[str, str]) -> str:
    """Append ``params`` to the query of ``url`` (keeping what is there)."""
    if not params:
        return url
    parts = urlsplit(url)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class WebhookSender:
    """Sends signed webhooks with one shared connection pool."""

    def __init__(self, auth_token: str, timeout: float = 15.0) -> None:
        self.validator = RequestValidator(auth_token)
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=5.0),
            limits=httpx.Limits(max_connections=2000, max_keepalive_connections=200),
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
        )

    async def close(self) -> None:
        await self.client.aclose()

    def sign(self, url: str, params: dict[str, str] | None) -> str:
        return self.validator.compute_signature(url, params or {})

    async def send(self, url: str, method: str, params: dict[str, str]) -> WebhookAnswer:
        method = (method or "POST").upper()
        params = {k: "" if v is None else str(v) for k, v in params.items()}
        try:
            if method == "GET":
                full = with_query(url, params)
                headers = {"X-Twilio-Signature": self.sign(full, None)}
                response = await self.client.get(full, headers=headers)
            else:
                headers = {"X-Twilio-Signature": self.sign(url, params)}
                response = await self.client.request(method, url, data=params, headers=headers)
        except (httpx.HTTPError, OSError, ValueError) as exc:
            return WebhookAnswer(url, method, 0, "", "", error=f"{type(exc).__name__}: {exc}")
        return WebhookAnswer(
            url,
            method,
            response.status_code,
            response.text,
            response.headers.get("content-type", ""),
        )


class OrderedChannel:
    """Delivers one call's callbacks one after another, off the call's path.

    Twilio does not hold a call while its status callbacks are delivered, and
    a completed callback must never overtake the answered one of the same call
    in the simulator (real Twilio may reorder; receivers must cope anyway).
    """

    def __init__(self) -> None:
        self._queue: list[Callable[[], Awaitable[None]]] = []
        self._task: asyncio.Task[None] | None = None
        self.idle = asyncio.Event()
        self.idle.set()

    def put(self, job: Callable[[], Awaitable[None]]) -> None:
        self._queue.append(job)
        self.idle.clear()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._queue:
            job = self._queue.pop(0)
            try:
                await job()
            except Exception:  # a broken receiver must not kill the simulator
                log.exception("callback delivery failed")
        self.idle.set()
