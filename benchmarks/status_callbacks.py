"""Status-callback throughput: the app under gunicorn on PostgreSQL, driven like Twilio.

Usage (DATABASE_URL must point at PostgreSQL; a scratch database beside it is
created and dropped):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc \
        .venv/bin/python benchmarks/status_callbacks.py [--calls 300 --clients 8 --workers 4]

Each simulated call sends its four signed status callbacks (initiated, ringing,
answered, completed) in a shuffled order with one repeated, and so does its
`<Dial>` leg; then a tenth of all callbacks is sent again from other clients at
once, as Twilio's retries do. The same clients then hit /livez, a view that
does nothing, on the same server. Printed: callbacks/s, p50/p99 latency, and
the ratio of callbacks/s to the trivial view's requests/s; the run fails if an
event was lost or stored twice.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import psycopg
from twilio.request_validator import RequestValidator

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
AUTH_TOKEN = "benchmark-auth-token"
ACCOUNT_SID = "AC" + "b" * 32
STATUS_PATH = "/twilio/status"
TRIVIAL_PATH = "/livez"
LIFE = [("initiated", "initiated"), ("ringing", "ringing"), ("in-progress", "answered")]


@dataclass(frozen=True)
class Callback:
    sid: str
    sequence: int
    body: str
    signature: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scratch_database(url: str) -> tuple[str, str]:
    """(admin connection string, URL of a new empty database beside `url`)."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must point at PostgreSQL")
    name = f"{parts.path.lstrip('/') or 'callcenter'}_bench_{uuid.uuid4().hex[:6]}"
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin, urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def drop_database(admin: str, database_url: str) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def callbacks_of_call(base_url: str, validator: RequestValidator, rng: random.Random):
    """The signed callbacks of one call and its leg, shuffled, one of each repeated."""
    parent = f"CA{uuid.uuid4().hex}"
    leg = f"CA{uuid.uuid4().hex}"
    batches = []
    for sid, extra in ((parent, {}), (leg, {"ParentCallSid": parent})):
        direction = "outbound-dial" if extra else "outbound-api"
        events = []
        for sequence, (status, _event) in enumerate([*LIFE, ("completed", "completed")]):
            params = {
                "CallSid": sid,
                "AccountSid": ACCOUNT_SID,
                "From": "+14155550100",
                "To": "+14155551212",
                "CallStatus": status,
                "ApiVersion": "2010-04-01",
                "Direction": direction,
                "CallbackSource": "call-progress-events",
                "Timestamp": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
                "SequenceNumber": str(sequence),
                "SipResponseCode": "200",
                **extra,
            }
            if status == "completed":
                params.update(CallDuration="42", Duration="1")
            signature = validator.compute_signature(base_url + STATUS_PATH, params)
            events.append(Callback(sid, sequence, urlencode(params), signature))
        first, rest = events[0], events[1:]
        rng.shuffle(rest)
        # Out of order, with one repeat; a leg's callbacks begin once its parent exists.
        sent = [first, *rest]
        sent.insert(rng.randrange(1, len(sent) + 1), rng.choice(sent))
        batches.append(sent)
    return batches


def timed_post(client: httpx.Client, path: str, body: str, signature: str) -> float:
    started = time.perf_counter()
    response = client.post(
        path,
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )
    elapsed = time.perf_counter() - started
    if response.status_code not in (200, 204):
        raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:200]}")
    return elapsed


def drive(base_url: str, jobs: list[list[Callback]], clients: int) -> tuple[float, list[float]]:
    """Run each job's callbacks in order on one of `clients` connections."""

    def run(job: list[Callback]) -> list[float]:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            return [timed_post(client, STATUS_PATH, c.body, c.signature) for c in job]

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [t for times in pool.map(run, jobs) for t in times]
    return time.perf_counter() - started, latencies


def drive_trivial(base_url: str, requests: int, clients: int) -> tuple[float, list[float]]:
    per_client = requests // clients

    def run(_: int) -> list[float]:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            times = []
            for _ in range(per_client):
                started = time.perf_counter()
                client.get(TRIVIAL_PATH).raise_for_status()
                times.append(time.perf_counter() - started)
            return times

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [t for times in pool.map(run, range(clients)) for t in times]
    return time.perf_counter() - started, latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def stored_counts(database_url: str) -> tuple[int, int, int, int]:
    """(events, calls, completed calls, legs under their parent) in the database."""
    parts = urlsplit(database_url)
    with psycopg.connect(urlunsplit(("postgresql", *parts[1:]))) as conn:
        events = conn.execute("SELECT count(*) FROM calls_callevent").fetchone()[0]
        calls = conn.execute("SELECT count(*) FROM calls_call").fetchone()[0]
        completed = conn.execute(
            "SELECT count(*) FROM calls_call WHERE status = 'completed'"
        ).fetchone()[0]
        legs = conn.execute(
            "SELECT count(*) FROM calls_call WHERE parent_id IS NOT NULL"
        ).fetchone()[0]
    return events, calls, completed, legs


def start_server(database_url: str, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "600",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True
    )
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "callcenter.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}{TRIVIAL_PATH}", timeout=1).raise_for_status()
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="calls (each with one leg)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    admin, scratch = scratch_database(database_url)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = start_server(scratch, port, args.workers)
    try:
        rng = random.Random(2010)
        validator = RequestValidator(AUTH_TOKEN)
        per_call = [callbacks_of_call(base_url, validator, rng) for _ in range(args.calls)]
        parents = [batches[0] for batches in per_call]
        legs = [batches[1] for batches in per_call]
        every = [c for batches in per_call for batch in batches for c in batch]
        retries = rng.sample(every, len(every) // 10)
        unique = len({(c.sid, c.sequence) for c in every})

        drive_trivial(base_url, args.clients * 20, args.clients)  # warm up
        took_parents, lat_parents = drive(base_url, parents, args.clients)
        took_legs, lat_legs = drive(base_url, legs, args.clients)
        retry_jobs = [retries[i :: args.clients] for i in range(args.clients)]
        took_retries, lat_retries = drive(base_url, retry_jobs, args.clients)
        latencies = lat_parents + lat_legs + lat_retries
        took = took_parents + took_legs + took_retries
        trivial_took, trivial_latencies = drive_trivial(base_url, len(latencies), args.clients)

        events, calls, completed, linked = stored_counts(scratch)
    finally:
        server.terminate()
        server.wait(10)
        drop_database(admin, scratch)

    rate = len(latencies) / took
    trivial_rate = len(trivial_latencies) / trivial_took
    ratio = rate / trivial_rate
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    print(
        f"status callbacks: {len(latencies)} sent ({len(latencies) - unique} repeats), "
        f"{args.clients} clients, {args.workers} gunicorn workers, PostgreSQL"
    )
    print(f"  callbacks/s       {rate:8.1f}")
    print(f"  p50 latency       {p50:8.2f} ms")
    print(f"  p99 latency       {p99:8.2f} ms")
    print(
        f"trivial view {TRIVIAL_PATH}: {trivial_rate:8.1f} req/s, "
        f"p50 {percentile(trivial_latencies, 0.5) * 1000:.2f} ms"
    )
    print(
        f"ratio callbacks/s : trivial req/s = {ratio:.2f} (target >= 0.5); "
        f"p99 target < 50 ms: {'met' if p99 < 50 else 'MISSED'}"
    )
    print(
        f"stored: {events} events for {unique} distinct callbacks; {calls} calls, "
        f"{completed} completed, {linked} legs under their parent"
    )
    expected_calls = 2 * args.calls
    if (events, calls, completed, linked) != (unique, expected_calls, expected_calls, args.calls):
        sys.exit("FAILED: an event was lost or stored twice, or a call did not end right")
    print("OK: every callback stored exactly once; every call and leg ended completed")


if __name__ == "__main__":
    main()
