"""A tiny application server for tests: serves TwiML, records every webhook.

It runs uvicorn in a thread on a free port and checks each request's
``X-Twilio-Signature`` with the official ``RequestValidator``, exactly as the
back office must.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

Responder = str | Callable[[dict[str, str]], "str | tuple[int, str]"] | tuple[int, str]


@dataclass
class Hit:
    path: str
    method: str
    params: dict[str, str]
    query: dict[str, str]
    signature_ok: bool
    at: float = field(default_factory=time.monotonic)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.params.get(key, self.query.get(key, default))


class WebhookServer:
    """Register answers per path with ``route``; read ``hits`` to see what came in."""

    def __init__(self, auth_token: str, delay: float = 0.0) -> None:
        self.validator = RequestValidator(auth_token)
        self.routes: dict[str, Responder] = {}
        self.hits: list[Hit] = []
        self.delay = delay
        self.lock = threading.Lock()
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])])
        self._sock = socket.socket()
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no delayed-ACK stalls
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(1024)
        self.port = self._sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[self._sock])), daemon=True
        )
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def route(self, path: str, answer: Responder) -> str:
        self.routes[path.lstrip("/")] = answer
        return self.url(path)

    async def _handle(self, request: Request) -> Response:
        path = request.path_params["path"]
        query = dict(parse_qsl(request.url.query, keep_blank_values=True))
        params: dict[str, str] = {}
        if request.method == "POST":
            params = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        url = str(request.url)
        signature = request.headers.get("x-twilio-signature", "")
        ok = self.validator.validate(url, params, signature)
        hit = Hit(path, request.method, params, query, ok)
        with self.lock:
            self.hits.append(hit)
        if self.delay:
            await asyncio.sleep(self.delay)
        answer = self.routes.get(path, "<Response/>")
        if callable(answer):
            answer = answer({**query, **params})
        status, body = answer if isinstance(answer, tuple) else (200, answer)
        return Response(body, status_code=status, media_type="application/xml")

    def hits_for(self, path: str) -> list[Hit]:
        with self.lock:
            return [hit for hit in self.hits if hit.path == path.lstrip("/")]

    def wait_for(self, path: str, count: int = 1, timeout: float = 10.0, **match: Any) -> list[Hit]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            hits = [h for h in self.hits_for(path) if all(h.get(k) == v for k, v in match.items())]
            if len(hits) >= count:
                return hits
            time.sleep(0.02)
        seen = [hit.get("CallStatus") or hit.params for hit in self.hits_for(path)]
        raise AssertionError(f"{count} hit(s) on /{path} matching {match} not seen: {seen}")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
