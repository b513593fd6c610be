"""Signed webhook requests, as Twilio sends them.

Every request carries ``X-Twilio-Signature`` computed with the account's auth
token by the official ``RequestValidator``, so the receiving side can validate
with the very same class. GET requests carry their parameters in the query
string (and are signed over the full URL with no body params), POST requests
form-encode them.

Requests go out through aiohttp (installed with ``twilio`` itself): its client
costs a fraction of httpx's per request, and webhooks are most of what the
simulator does under load.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp
from twilio.request_validator import RequestValidator
from yarl import URL

from voicesim.local_hosts import LocalHosts

log = logging.getLogger(__name__)

USER_AGENT = "TwilioProxy/1.1 (voicesim)"
#: Twilio waits 15 s at most for an answer, 5 s for the connection (facts.md)
TIMEOUT = aiohttp.ClientTimeout(total=15.0, sock_connect=5.0)


@dataclass
class WebhookAnswer:
    """The outcome of one webhook request (``status`` 0 when unreachable)."""

    status: int
    text: str
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
    """Sends signed webhooks with one shared connection pool, to local hosts only."""

    def __init__(self, auth_token: str, local: LocalHosts) -> None:
        self.validator = RequestValidator(auth_token)
        self.local = local
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        """The session, made on first use: aiohttp wants it made inside the running loop."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=1000, limit_per_host=0),
                timeout=TIMEOUT,
                headers={"User-Agent": USER_AGENT},
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, url: str, method: str, params: dict[str, str]) -> WebhookAnswer:
        if not self.local.allows(url):
            return WebhookAnswer(0, "", error=f"not requested: {url} is not a local host's")
        method = (method or "POST").upper()
        params = {k: "" if v is None else str(v) for k, v in params.items()}
        if method == "GET":
            target, body = with_query(url, params), None
            signature = self.validator.compute_signature(target, {})
        else:
            target, body = url, params
            signature = self.validator.compute_signature(url, params)
        headers = {"X-Twilio-Signature": signature}
        try:
            async with self._client().request(
                method, URL(target, encoded=True), data=body, headers=headers
            ) as response:
                content = await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            return WebhookAnswer(0, "", error=f"{type(exc).__name__}: {exc}")
        return WebhookAnswer(response.status, content.decode("utf-8", errors="replace"))


class OrderedChannel:
    """Delivers one call's callbacks one after another, off the call's path.

    Twilio does not hold a call while its status callbacks are delivered, and
    a completed callback must never overtake the answered one of the same call
    in the simulator (real Twilio may reorder; receivers must cope anyway).
    """

    def __init__(self) -> None:
        self._queue: deque[Callable[[], Awaitable[None]]] = deque()
        self._task: asyncio.Task[None] | None = None

    def put(self, job: Callable[[], Awaitable[None]]) -> None:
        self._queue.append(job)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())

    def stop(self) -> None:
        """Drop what is left to deliver and the delivery under way."""
        self._queue.clear()
        if self._task is not None:
            self._task.cancel()

    async def _drain(self) -> None:
        while self._queue:
            job = self._queue.popleft()
            try:
                await job()
            except Exception:  # a broken receiver must not kill the simulator
                log.exception("callback delivery failed")
