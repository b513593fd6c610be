"""Status-callback throughput: the app under gunicorn on PostgreSQL, driven like Twilio.

Usage (DATABASE_URL must point at PostgreSQL; a scratch database beside it is
created and dropped):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc \
        .venv/bin/python benchmarks/status_callbacks.py \
        [--calls 300 --clients 8 --workers 2 --worker-class gthread --threads 4 --rounds 5]

Each simulated call sends its four signed status callbacks (initiated, ringing,
answered, completed) in a shuffled order with one repeated, and so does its
`<Dial>` leg; then a tenth of all callbacks is sent again from other clients at
once, as Twilio's retries do. In the same run, each call's conference (opened
beforehand, as a hand-off does) gets its participant callbacks the same way
(start, two joins, a hold and unhold, a leave, the end; shuffled, one repeated,
a tenth again), measured on their own against the bare view sent alike. Each call also has a
recording the product started (its row is written as the product's request
leaves it), whose status callbacks (in-progress, completed, one repeated) follow
its call's; their rate is reported on its own against the same baseline. The
baseline is /livez, a view that does nothing, on the same server, through the
same middleware, from the same clients (one keep-alive connection each), sent
in the same pattern: one GET in place of each callback, in the same jobs (a
call's requests in order on one client) and phases, so the moments a phase's
last jobs leave clients idle weigh on both alike. The two alternate in rounds,
so a neighbour's load on a shared machine weighs on both alike too. Printed:
callbacks/s, p50/p99 latency, and the ratio of callbacks/s to the trivial view's requests/s; the run
fails if an event was lost or stored twice.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
CONFERENCE_STATUS_PATH = "/twilio/conferences/status"
TRIVIAL_PATH = "/livez"
LIFE = [("initiated", "initiated"), ("ringing", "ringing"), ("in-progress", "answered")]


RECORDING_STATUS_PATH = "/twilio/recordings/status"


@dataclass(frozen=True)
class Callback:
    sid: str
    sequence: int
    body: str
    signature: str
    path: str = STATUS_PATH


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


def conference_callbacks_of_call(
    base_url: str, validator: RequestValidator, rng: random.Random, customer: str
) -> tuple[str, list[Callback]]:
    """(the conference's SID, its signed participant callbacks): the room starts, the
    customer and the agent join, the customer is held and unheld, the agent leaves
    and the room ends; shuffled after the first, one repeated, as Twilio may send."""
    conference = f"CF{uuid.uuid4().hex}"
    agent = f"CA{uuid.uuid4().hex}"
    life = [
        ("conference-start", None, {}),
        ("participant-join", customer, {}),
        ("participant-join", agent, {"ParticipantLabel": "agent"}),
        ("participant-hold", customer, {"Hold": "true"}),
        ("participant-unhold", customer, {}),
        ("participant-leave", agent, {"ParticipantLabel": "agent"}),
        ("conference-end", None, {"ReasonConferenceEnded": "participant-left"}),
    ]
    url = base_url + CONFERENCE_STATUS_PATH
    events = []
    for sequence, (event, call_sid, extra) in enumerate(life):
        params = {
            "AccountSid": ACCOUNT_SID,
            "ConferenceSid": conference,
            "FriendlyName": f"call-{customer}",
            "StatusCallbackEvent": event,
            "Timestamp": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
            "SequenceNumber": str(sequence),
        }
        if call_sid:
            flags = {"Muted": "false", "Hold": "false", "Coaching": "false"}
            params.update({"CallSid": call_sid, "EndConferenceOnExit": "false", **flags, **extra})
        else:
            params.update(extra)
        signature = validator.compute_signature(url, params)
        events.append(
            Callback(conference, sequence, urlencode(params), signature, CONFERENCE_STATUS_PATH)
        )
    first, rest = events[0], events[1:]
    rng.shuffle(rest)
    sent = [first, *rest]
    sent.insert(rng.randrange(1, len(sent) + 1), rng.choice(sent))
    return conference, sent


def open_conferences(database_url: str, rooms: list[tuple[str, str]]) -> None:
    """The product's own steps before Twilio's callbacks: a conference per customer's call
    with the customer in it and the agent being dialed in by label (as a hand-off
    makes them), here with the SID Twilio will name the room by."""
    parts = urlsplit(database_url)
    with psycopg.connect(urlunsplit(("postgresql", *parts[1:]))) as conn:
        conn.cursor().executemany(
            "WITH room AS (INSERT INTO conversations_conference (call_id, friendly_name, sid,"
            " status, hold_music_url, ended_reason, created_at, last_sequence)"
            " SELECT id, 'call-' || sid, %(room)s, 'init', '', '', now(), -1"
            " FROM calls_call WHERE sid = %(customer)s RETURNING id, call_id)"
            " INSERT INTO conversations_participant (conference_id, call_id, call_sid, role,"
            " label, endpoint, on_hold, muted, coaching, last_sequence, created_at)"
            " SELECT id, call_id, %(customer)s, 'customer', '', '', false, false, false, -1,"
            " now() FROM room UNION ALL"
            " SELECT id, NULL, '', 'agent', 'agent', '', false, false, false, -1, now() FROM room",
            [{"room": room, "customer": customer} for customer, room in rooms],
        )


def recording_callbacks_of_call(
    base_url: str, validator: RequestValidator, rng: random.Random, call_sid: str, row: int
) -> list[Callback]:
    """The signed status callbacks of the recording the product started on the call
    (its row `row` exists, the callback URL names it): in-progress, then
    completed, the completed one repeated."""
    recording = f"RE{uuid.uuid4().hex}"
    path = f"{RECORDING_STATUS_PATH}?recording={row}"
    callbacks = []
    for sequence, status in enumerate(["in-progress", "completed"]):
        params = {
            "AccountSid": ACCOUNT_SID,
            "CallSid": call_sid,
            "RecordingSid": recording,
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
            f"/Recordings/{recording}",
            "RecordingStatus": status,
            "RecordingDuration": "-1" if status == "in-progress" else "42",
            "RecordingChannels": "2",
            "RecordingStartTime": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
            "RecordingSource": "StartCallRecordingAPI",
            "RecordingTrack": "both",
        }
        signature = validator.compute_signature(base_url + path, params)
        callbacks.append(Callback(recording, sequence, urlencode(params), signature, path))
    return [*callbacks, rng.choice(callbacks)]


def requested_recordings(database_url: str, call_sids: list[str]) -> dict[str, int]:
    """A recording row per call, as the product's request leaves it before Twilio
    answers (`starting`); the id of each by its call's SID."""
    with psycopg.connect(urlunsplit(("postgresql", *urlsplit(database_url)[1:]))) as conn:
        rows = conn.execute(
            """
            INSERT INTO recordings_recording (call_id, conference_sid, status, media_url,
                origin, retention_days, legal_hold, error_message, created_at)
            SELECT id, '', 'starting', '', 'system', 90, false, '', now()
            FROM calls_call WHERE sid = ANY(%s)
            RETURNING id, (SELECT sid FROM calls_call c WHERE c.id = call_id)
            """,
            [call_sids],
        ).fetchall()
    return {sid: row for row, sid in rows}


class Clients:
    """`count` concurrent clients, each a thread keeping one connection for the whole
    run, as Twilio's senders do (a connection per phase would weigh on phases)."""

    def __init__(self, base_url: str, count: int):
        self.base_url = base_url
        self.count = count
        self.local = threading.local()
        self.opened: list[httpx.Client] = []
        self.pool = ThreadPoolExecutor(count)

    def client(self) -> httpx.Client:
        if not hasattr(self.local, "client"):
            self.local.client = httpx.Client(base_url=self.base_url, timeout=30)
            self.opened.append(self.local.client)
        return self.local.client

    def run(self, jobs: list, send) -> tuple[float, list[float]]:
        """Each job's requests in order on one client; (seconds taken, latencies)."""

        def run_job(job) -> list[float]:
            client = self.client()
            return [send(client, item) for item in job]

        started = time.perf_counter()
        latencies = [t for times in self.pool.map(run_job, jobs) for t in times]
        return time.perf_counter() - started, latencies

    def close(self) -> None:
        self.pool.shutdown()
        for client in self.opened:
            client.close()


def send_callback(client: httpx.Client, callback: Callback) -> httpx.Response:
    return client.post(
        callback.path,
        content=callback.body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": callback.signature,
        },
    )


def post_callback(client: httpx.Client, callback: Callback) -> float:
    started = time.perf_counter()
    response = send_callback(client, callback)
    elapsed = time.perf_counter() - started
    if response.status_code != 204:
        answer = f"{response.status_code}: {response.text[:200]}"
        raise RuntimeError(f"{callback.path} answered {answer}")
    return elapsed


def get_trivial(client: httpx.Client, _: object) -> float:
    started = time.perf_counter()
    client.get(TRIVIAL_PATH).raise_for_status()
    return time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def counted(database_url: str, *tables_where: str) -> tuple[int, ...]:
    """The number of rows in each `table [WHERE ...]`, read in one connection."""
    with psycopg.connect(urlunsplit(("postgresql", *urlsplit(database_url)[1:]))) as conn:
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables_where)


@dataclass(frozen=True)
class Server:
    workers: int
    worker_class: str
    threads: int

    def describe(self) -> str:
        threads = f" x {self.threads} threads" if self.worker_class == "gthread" else ""
        return f"gunicorn {self.workers} {self.worker_class} workers{threads}"


def start_server(database_url: str, port: int, server: Server) -> subprocess.Popen:
    """gunicorn with production settings: persistent, health-checked DB connections."""
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
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "callcenter.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(server.workers),
            "--worker-class",
            server.worker_class,
            "--threads",
            str(server.threads),
            "--keep-alive",
            "30",
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
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    sys.exit("gunicorn did not start")


@dataclass
class Tally:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def add(self, took: tuple[float, list[float]]) -> None:
        self.seconds += took[0]
        self.latencies += took[1]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def ms(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="calls (each with one leg)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--rounds", type=int, default=5, help="callback/baseline alternations")
    args = parser.parse_args()
    server = Server(args.workers, args.worker_class, args.threads)

    database_url = os.environ.get("DATABASE_URL", "")
    admin, scratch = scratch_database(database_url)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = start_server(scratch, port, server)
    clients = Clients(base_url, args.clients)
    callbacks, trivial = Tally(), Tally()
    rooms, rooms_trivial = Tally(), Tally()
    recorded, recorded_trivial = Tally(), Tally()
    try:
        rng = random.Random(2010)
        validator = RequestValidator(AUTH_TOKEN)
        per_call = [callbacks_of_call(base_url, validator, rng) for _ in range(args.calls)]
        every = [c for batches in per_call for batch in batches for c in batch]
        unique = len({(c.sid, c.sequence) for c in every})
        per_room = [
            conference_callbacks_of_call(base_url, validator, rng, batches[0][0].sid)
            for batches in per_call
        ]
        unique_rooms = len({(c.sid, c.sequence) for _, sent in per_room for c in sent})

        clients.run([[None] * 20] * args.clients, get_trivial)  # warm up every worker
        for i in range(args.rounds):
            round_calls, round_rooms = per_call[i :: args.rounds], per_room[i :: args.rounds]
            phases = phases_of_round(round_calls, rng, args.clients)
            for jobs in phases:
                callbacks.add(clients.run(jobs, post_callback))
            for jobs in phases:
                trivial.add(clients.run([[None] * len(job) for job in jobs], get_trivial))
            customers = [batches[0][0].sid for batches in round_calls]
            pairs = zip(customers, round_rooms, strict=True)
            open_conferences(scratch, [(customer, room) for customer, (room, _) in pairs])
            room_phases = conference_phases_of_round(round_rooms, rng, args.clients)
            for jobs in room_phases:
                rooms.add(clients.run(jobs, post_callback))
            for jobs in room_phases:
                rooms_trivial.add(clients.run([[None] * len(job) for job in jobs], get_trivial))
            # The recordings of the round's calls (which exist by now), each recording's
            # callbacks in order on one client; then the baseline in the same pattern.
            rows = requested_recordings(scratch, customers)
            jobs = [
                recording_callbacks_of_call(base_url, validator, rng, sid, rows[sid])
                for sid in customers
            ]
            recorded.add(clients.run(jobs, post_callback))
            recorded_trivial.add(clients.run([[None] * len(job) for job in jobs], get_trivial))
        recording_events, recordings_completed = counted(
            scratch,
            "recordings_recordingevent",
            "recordings_recording WHERE status = 'completed'",
        )
        events, calls, completed, linked = counted(
            scratch,
            "calls_callevent",
            "calls_call",
            "calls_call WHERE status = 'completed'",
            "calls_call WHERE parent_id IS NOT NULL",
        )
        room_events, rooms_ended, participants_left = counted(
            scratch,
            "conversations_conferenceevent",
            "conversations_conference WHERE status = 'completed'",
            "conversations_participant WHERE left_at IS NOT NULL",
        )
    finally:
        clients.close()
        process.terminate()
        process.wait(10)
        drop_database(admin, scratch)

    ratio = callbacks.rate / trivial.rate
    p99 = callbacks.ms(0.99)
    sent = len(callbacks.latencies)
    print(
        f"status callbacks: {sent} sent ({sent - unique} repeats), {args.clients} clients, "
        f"{server.describe()}, PostgreSQL, {args.rounds} rounds"
    )
    print_figures(callbacks)
    print(
        f"trivial view {TRIVIAL_PATH}: {trivial.rate:8.1f} req/s, "
        f"p50 {trivial.ms(0.5):.2f} ms, p99 {trivial.ms(0.99):.2f} ms"
    )
    print(
        f"ratio callbacks/s : trivial req/s = {ratio:.2f} (target >= 0.5); "
        f"p99 target < 50 ms: {'met' if p99 < 50 else 'MISSED'}"
    )
    print(
        f"stored: {events} events for {unique} distinct callbacks; {calls} calls, "
        f"{completed} completed, {linked} legs under their parent"
    )
    report("conference", rooms, rooms_trivial, unique_rooms)
    print(
        f"stored: {room_events} conference events for {unique_rooms} distinct callbacks; "
        f"{rooms_ended} conferences ended, {participants_left} participants left"
    )
    report("recording", recorded, recorded_trivial, 2 * args.calls)
    print(
        f"stored: {recording_events} recording events for {2 * args.calls} distinct "
        f"callbacks; {recordings_completed} recordings completed"
    )
    expected_calls = 2 * args.calls
    if (recording_events, recordings_completed) != (2 * args.calls, args.calls):
        sys.exit("FAILED: a recording callback was lost or stored twice")
    if (events, calls, completed, linked) != (unique, expected_calls, expected_calls, args.calls):
        sys.exit("FAILED: an event was lost or stored twice, or a call did not end right")
    if (room_events, rooms_ended, participants_left) != (unique_rooms, args.calls, 2 * args.calls):
        sys.exit("FAILED: a conference event was lost or stored twice, or a room did not end")
    print("OK: every callback stored exactly once; every call, leg and conference ended")


def print_figures(tally: Tally) -> None:
    """Rate and latencies, aligned under the heading of whatever was measured."""
    print(f"  callbacks/s       {tally.rate:8.1f}")
    print(f"  p50 latency       {tally.ms(0.5):8.2f} ms")
    print(f"  p99 latency       {tally.ms(0.99):8.2f} ms")


def report(kind: str, measured: Tally, trivial: Tally, unique: int) -> None:
    """One kind of callbacks' figures, against the bare view sent alike."""
    sent = len(measured.latencies)
    print(f"{kind} callbacks: {sent} sent ({sent - unique} repeats)")
    print_figures(measured)
    print(
        f"ratio {kind} callbacks/s : trivial req/s ({trivial.rate:.1f}) = "
        f"{measured.rate / trivial.rate:.2f} (target >= 0.5)"
    )


def phases_of_round(per_call: list, rng: random.Random, clients: int) -> list[list[list]]:
    """The parents' callbacks, then their legs', then a tenth of them again at once:
    each phase a list of jobs, a job's callbacks sent in order on one client."""
    parents = [batches[0] for batches in per_call]
    legs = [batches[1] for batches in per_call]
    every = [c for batch in parents + legs for c in batch]
    retries = rng.sample(every, len(every) // 10)
    return [parents, legs, [retries[i::clients] for i in range(clients)]]


def conference_phases_of_round(
    per_room: list[tuple[str, list[Callback]]], rng: random.Random, clients: int
) -> list[list[list]]:
    """The rooms' callbacks (a room's in order on one client), then a tenth again at once."""
    rooms = [sent for _, sent in per_room]
    every = [c for sent in rooms for c in sent]
    retries = rng.sample(every, len(every) // 10)
    return [rooms, [retries[i::clients] for i in range(clients)]]


if __name__ == "__main__":
    main()
