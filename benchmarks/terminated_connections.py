"""Requests under bursts of terminated database connections: none may fail whose
connection the server ended while it was idle, and none may answer a 500.

Usage (DATABASE_URL must point at PostgreSQL; a scratch database beside it is
created and dropped):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc \\
        .venv/bin/python benchmarks/terminated_connections.py [--rounds 400 --clients 8]

The app runs under gunicorn as in production: persistent connections
(DATABASE_CONN_MAX_AGE=600) with Django's health check (CONN_HEALTH_CHECKS, on
in the settings). Each client keeps one keep-alive connection and sends signed
status callbacks (a call's four and its leg's, shuffled, one repeated) with an
authenticated API read after each batch. Two phases:

- idle: in rounds. Every client sends one request; once all are answered every
  database connection of the app is idle, and `pg_terminate_backend` ends them
  all; the next round starts at once, so its requests meet connections whose
  backend may not have closed its socket yet (the race of the health check
  with the server). Target: no request fails.
- any: the clients send without pause while every backend of the app is ended
  every `--every` seconds, also those running a statement. A request whose
  connection dies mid-way may fail, but only with 503 JSON and `Retry-After`,
  never a 500.

Printed per phase: requests, terminations, 5xx, 503 (with Retry-After), other
5xx, and the requests that failed after idle-connection terminations; the run
fails when that is not 0 or any phase answered another 5xx.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
from status_callbacks import (
    AUTH_TOKEN,
    Callback,
    Clients,
    Server,
    callbacks_of_call,
    drop_database,
    free_port,
    scratch_database,
    send_callback,
    start_server,
)
from twilio.request_validator import RequestValidator

API_PATH = "/api/v1/calls/"
# pg_stat_activity's `idle` is no proof that a connection is between two requests
# (a request's autocommit statements leave it idle in between): the idle phase
# ends every backend once no request is in flight instead.
EVERY_BACKEND = """
    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""


@dataclass
class Answers:
    """The status codes the clients got, whether each 503 said when to retry, and
    whether the request after a 503 on the same client succeeded."""

    codes: Counter = field(default_factory=Counter)
    unavailable_without_retry_after: int = 0
    recovered: int = 0  # a 503, then a success on the same client
    lock: threading.Lock = field(default_factory=threading.Lock)
    last: threading.local = field(default_factory=threading.local)

    def add(self, response: httpx.Response) -> None:
        code = response.status_code
        with self.lock:
            self.codes[code] += 1
            if code == 503 and "Retry-After" not in response.headers:
                self.unavailable_without_retry_after += 1
            if getattr(self.last, "code", None) == 503 and code < 500:
                self.recovered += 1
        self.last.code = code

    @property
    def total(self) -> int:
        return sum(self.codes.values())

    @property
    def server_errors(self) -> int:
        return sum(n for code, n in self.codes.items() if code >= 500)

    @property
    def other_server_errors(self) -> int:
        return self.server_errors - self.codes[503]


def terminate_all(conn: psycopg.Connection, database: str) -> int:
    """End every backend of the app's database (without waiting for them to exit)."""
    rows = conn.execute(EVERY_BACKEND, (database,)).fetchall()
    return sum(1 for (ended,) in rows if ended)


class Terminator(threading.Thread):
    """Ends the app's database connections every `every` seconds until stopped."""

    def __init__(self, admin: str, database: str, every: float):
        super().__init__(daemon=True)
        self.admin, self.database, self.every = admin, database, every
        self.terminated = 0
        self.halt = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            while not self.halt.wait(self.every):
                self.terminated += terminate_all(conn, self.database)

    def stop(self) -> None:
        self.halt.set()
        self.join()


def idle_phase(clients: Clients, jobs: list, one, rounds: int, admin: str, database: str) -> int:
    """Round by round: each client one request, then every (idle) connection ended.
    Returns the terminations."""
    count = clients.count
    queues = [[item for job in jobs[i::count] for item in job] for i in range(count)]
    rounds = min(rounds, *(len(queue) for queue in queues))
    barrier = threading.Barrier(clients.count + 1)

    def client_rounds(queue: list) -> list[float]:
        client = clients.client()
        took = []
        for item in queue[:rounds]:
            took.append(one(client, item))
            barrier.wait()  # this round's requests are all answered
            barrier.wait()  # their connections are ended
        return took

    futures = [clients.pool.submit(client_rounds, queue) for queue in queues]
    terminated = 0
    with psycopg.connect(admin, autocommit=True) as conn:
        for _ in range(rounds):
            barrier.wait()
            terminated += terminate_all(conn, database)
            barrier.wait()
    for future in futures:
        future.result()
    return terminated


def api_token(database_url: str) -> str:
    """A token of an Integrations user, made with the product's own command."""
    env = {**os.environ, "DATABASE_URL": database_url}
    made = subprocess.run(
        [sys.executable, "manage.py", "create_api_user", "bench", "--group", "Integrations"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return made.stdout.strip()


def send(answers: Answers, token: str):
    def one(client: httpx.Client, request: Callback | None) -> float:
        started = time.perf_counter()
        if request is None:
            response = client.get(API_PATH, headers={"Authorization": f"Token {token}"})
        else:
            response = send_callback(client, request)
        answers.add(response)
        return time.perf_counter() - started

    return one


def jobs_of(per_call: list, rng: random.Random) -> list[list[Callback | None]]:
    """A call's callbacks in order on one client, an API read after each batch."""
    jobs = [[*parent, None, *leg, None] for parent, leg in per_call]
    rng.shuffle(jobs)
    return jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=400, help="idle-phase rounds")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--every", type=float, default=0.5, help="any phase: seconds between")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    args = parser.parse_args()
    server = Server(args.workers, "gthread", args.threads)

    admin, scratch = scratch_database(os.environ.get("DATABASE_URL", ""))
    database = urlsplit(scratch).path.lstrip("/")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = start_server(scratch, port, server)
    clients = Clients(base_url, args.clients)
    results = {}
    try:
        token = api_token(scratch)
        rng = random.Random(2026)
        validator = RequestValidator(AUTH_TOKEN)
        # Enough calls for `rounds` requests on each client (12 requests a call).
        calls = args.rounds * args.clients // 12 + args.clients
        warm_up = [[None] * 5] * args.clients

        answers = Answers()
        clients.run(warm_up, send(Answers(), token))
        jobs = jobs_of([callbacks_of_call(base_url, validator, rng) for _ in range(calls)], rng)
        terminated = idle_phase(clients, jobs, send(answers, token), args.rounds, admin, database)
        results["idle"] = (answers, terminated)

        answers = Answers()
        clients.run(warm_up, send(Answers(), token))
        jobs = jobs_of([callbacks_of_call(base_url, validator, rng) for _ in range(calls)], rng)
        terminator = Terminator(admin, database, args.every)
        terminator.start()
        try:
            clients.run(jobs, send(answers, token))
        finally:
            terminator.stop()
        results["any"] = (answers, terminator.terminated)
    finally:
        clients.close()
        process.terminate()
        process.wait(10)
        drop_database(admin, scratch)

    print(
        f"terminated connections: {server.describe()}, {args.clients} clients, "
        f"CONN_MAX_AGE=600 with health checks; any phase: a burst every {args.every}s"
    )
    print(
        f"{'phase':<6} {'requests':>9} {'terminated':>11} {'5xx':>5} {'503':>5} {'other 5xx':>10}"
    )
    for phase, (answers, terminated) in results.items():
        print(
            f"{phase:<6} {answers.total:>9} {terminated:>11} {answers.server_errors:>5} "
            f"{answers.codes[503]:>5} {answers.other_server_errors:>10}"
        )
    idle_answers = results["idle"][0]
    print(
        f"requests failed after idle-connection terminations: {idle_answers.server_errors} "
        "(target 0)"
    )
    without = sum(answers.unavailable_without_retry_after for answers, _ in results.values())
    print(f"503 without Retry-After: {without}; codes: {dict(results['any'][0].codes)}")
    any_answers = results["any"][0]
    print(
        f"any phase: {any_answers.recovered} of {any_answers.codes[503]} 503s were followed "
        "by a success on the same client"
    )
    failed = idle_answers.server_errors or without
    failed = failed or any(answers.other_server_errors for answers, _ in results.values())
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
