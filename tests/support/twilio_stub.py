"""A throwaway HTTP server that speaks just enough of the Calls API for gateway tests.

The real `twilio` client talks to it over a socket, so the gateway's error
mapping, retries and reconciliation are exercised end to end without voicesim.
Each test scripts the answers; `drop` reads a request and closes the
connection without a word, the way a lost create answer looks to the client.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

from django.utils import timezone

DROP = "drop"


@dataclass
class Received:
    method: str
    path: str
    form: dict[str, list[str]]
    query: dict[str, list[str]]
    at: float = field(default_factory=time.monotonic)  # when it was read in full

    def value(self, key: str) -> str:
        return (self.form.get(key) or self.query.get(key) or [""])[0]


def call_json(account_sid: str, **fields) -> dict:
    """A Call resource in Twilio's JSON shape (dates in RFC 2822)."""
    now = format_datetime(timezone.now())
    sid = fields.pop("sid", None) or f"CA{uuid4().hex}"
    return {
        "sid": sid,
        "account_sid": account_sid,
        "parent_call_sid": None,
        "status": "queued",
        "direction": "outbound-api",
        "from": "+14155550100",
        "to": "+14155551212",
        "answered_by": None,
        "start_time": None,
        "end_time": None,
        "duration": None,
        "price": None,
        "price_unit": "USD",
        "queue_time": "0",
        "date_created": now,
        "date_updated": now,
        "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{account_sid}/Calls/{sid}.json",
        **fields,
    }


def error_json(status: int, code: int, message: str) -> tuple[int, dict]:
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@dataclass
class TwilioStub:
    """Answers scripted per route: "create", "update", "fetch", "list"."""

    account_sid: str
    received: list[Received] = field(default_factory=list)
    script: dict[str, list] = field(default_factory=dict)
    listed: list[dict] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, route: str, *answers) -> None:
        """Queue answers for a route: a (status, body) pair or DROP; the last one repeats."""
        self.script[route] = list(answers)

    def requests(self, route: str) -> list[Received]:
        return [r for r in self.received if _route_of(r.method, r.path) == route]

    def next_answer(self, route: str):
        with self.lock:
            answers = self.script.get(route) or [None]
            return answers.pop(0) if len(answers) > 1 else answers[0]


CALL_PATH = re.compile(r"/Calls/(CA[0-9a-fA-F]{32})\.json$")


def _route_of(method: str, path: str) -> str:
    if path.endswith("/Calls.json"):
        return "create" if method == "POST" else "list"
    return "update" if method == "POST" else "fetch"


def make_handler(stub: TwilioStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            """Quiet: tests read `stub.received` instead."""

        def do_GET(self) -> None:
            self._handle("GET", {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            self._handle("POST", form)

        def _handle(self, method: str, form: dict) -> None:
            parts = urlsplit(self.path)
            received = Received(method, parts.path, form, parse_qs(parts.query))
            with stub.lock:
                stub.received.append(received)
            route = _route_of(method, parts.path)
            time.sleep(stub.delay)
            scripted = stub.next_answer(route)
            if scripted == DROP:
                self.close_connection = True
                self.connection.close()
                return
            status, body = scripted or self._default(route, received)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _default(self, route: str, received: Received) -> tuple[int, dict]:
            if route == "create":
                return 201, call_json(
                    stub.account_sid, to=received.value("To"), **{"from": received.value("From")}
                )
            if route == "list":
                return 200, {"calls": stub.listed, "next_page_uri": None, "page": 0}
            match = CALL_PATH.search(received.path)
            sid = match.group(1) if match else None
            status = received.value("Status") or "in-progress"
            return 200, call_json(stub.account_sid, sid=sid, status=status)

    return Handler


def serve(stub: TwilioStub, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Answer on `port` (0: any free one) from a thread; the server and its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(stub))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
