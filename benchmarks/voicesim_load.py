"""How much load voicesim takes: creates per second and concurrent live calls.

Starts ``python -m voicesim`` and a tiny application server (its own process)
that answers the TwiML request with endless hold music and every status
callback with 204. Then, from several threads, places calls through the real
``twilio`` client and measures:

- creates/s, against a baseline of as many GETs of ``/sim/health`` through the
  same HTTP stack (the ratio says what a create costs beyond a trivial request);
- how many calls are live at once with all their callbacks answered, and how
  fast the trivial endpoint still answers while they are held;
- beside them, conferences of three: a caller joins each room by
  ``<Dial><Conference>``, two more are called in with Participants create; how
  fast they join (counted from the rooms' ``participant-join`` callbacks), how
  fast speech is routed in the rooms, and how fast the rooms are ended.

Run: ``.venv/bin/python benchmarks/voicesim_load.py [--calls 600] [--threads 8]
[--conferences 100]``.
Targets: >= 100 creates/s and >= 500 concurrent live calls on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import socket
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from twilio.http.http_client import TwilioHttpClient

from voicesim.process import start_simulator
from voicesim.twilio_client import simulator_client

ACCOUNT_SID = "AC" + "be" * 16
AUTH_TOKEN = "benchmark-token"
#: a far end that answers and talks for ten minutes (built-in rule: anyone
#: outside the reserved +1555000 ranges)
TALKER = "+14155550142"
HOLD_MUSIC = '<Response><Play loop="0">http://example.com/hold.mp3</Play></Response>'
EVENTS = ["initiated", "ringing", "answered", "completed"]


def serve_application(sock: socket.socket) -> None:
    """The application server: hold music for the TwiML request, 204 for callbacks."""
    hits: Counter[str] = Counter()

    async def voice(request: Request) -> Response:
        hits["voice"] += 1
        return Response(HOLD_MUSIC, media_type="application/xml")

    async def status(request: Request) -> Response:
        form = parse_qs((await request.body()).decode())
        hits[f"status:{form.get('CallStatus', ['?'])[0]}"] += 1
        return Response(status_code=204)

    async def room(request: Request) -> Response:
        name = request.path_params["name"]
        callback = f"{request.base_url}conference-status"
        body = (
            f'<Response><Dial><Conference statusCallback="{callback}" '
            f'statusCallbackEvent="join">{name}</Conference></Dial></Response>'
        )
        return Response(body, media_type="application/xml")

    async def conference_status(request: Request) -> Response:
        form = parse_qs((await request.body()).decode())
        hits[f"conference:{form.get('StatusCallbackEvent', ['?'])[0]}"] += 1
        return Response(status_code=204)

    async def counts(request: Request) -> Response:
        return JSONResponse(dict(hits))

    app = Starlette(
        routes=[
            Route("/voice", voice, methods=["POST"]),
            Route("/status", status, methods=["POST"]),
            Route("/room/{name}", room, methods=["POST"]),
            Route("/conference-status", conference_status, methods=["POST"]),
            Route("/counts", counts, methods=["GET"]),
        ]
    )
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))


def start_application() -> tuple[str, multiprocessing.Process]:
    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no delayed-ACK stalls
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    process = multiprocessing.Process(target=serve_application, args=(sock,), daemon=True)
    process.start()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for _ in range(200):
        try:
            httpx.get(f"{base_url}/counts", timeout=1)
            return base_url, process
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the application server did not start")


def in_threads(threads: int, count: int, work) -> float:
    """Run ``work(worker_index)`` ``count`` times over ``threads`` threads; per second."""
    per_thread = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]

    def run(index: int) -> None:
        state = None
        for _ in range(per_thread[index]):
            state = work(index, state)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, range(threads)))
    return count / (time.perf_counter() - started)


def wait_until(predicate, timeout: float) -> float:
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout:
            raise RuntimeError("timed out")
        time.sleep(0.2)
    return time.perf_counter() - started


def conference_run(base_url: str, app_url: str, http: httpx.Client, args) -> dict:
    """Rooms of three beside the held calls: one caller by TwiML, two by the API."""
    rooms = [f"room-{n}" for n in range(args.conferences)]
    work = itertools.count()

    def join(index: int, client) -> object:
        client = client or simulator_client(base_url, ACCOUNT_SID, AUTH_TOKEN)
        n = next(work)
        name = rooms[n // 3]
        if n % 3 == 0:
            client.calls.create(to=TALKER, from_="+14155550100", url=f"{app_url}/room/{name}")
        else:
            client.conferences(name).participants.create(
                from_="+14155550100",
                to=TALKER,
                conference_status_callback=f"{app_url}/conference-status",
                conference_status_callback_event=["join"],
            )
        return client

    joins = in_threads(args.threads, 3 * len(rooms), join)

    def all_joined() -> bool:
        counts = httpx.get(f"{app_url}/counts").json()
        return counts.get("conference:participant-join", 0) >= 3 * len(rooms)

    settle = wait_until(all_joined, timeout=120)
    client = simulator_client(base_url, ACCOUNT_SID, AUTH_TOKEN)
    live = client.conferences.list(status="in-progress", page_size=1000)
    speakers = [client.conferences(c.sid).participants.list(limit=1)[0].call_sid for c in live]
    spoken = iter(speakers)

    def speak(index: int, state) -> None:
        heard = http.post(f"/sim/calls/{next(spoken)}/say", json={"text": "hello"}).json()
        assert len(heard["heard_by"]) == 2, heard

    speech = in_threads(args.threads, len(speakers), speak)
    ending = iter(live)

    def end(index: int, client) -> object:
        client = client or simulator_client(base_url, ACCOUNT_SID, AUTH_TOKEN)
        client.conferences(next(ending).sid).update(status="completed")
        return client

    ends = in_threads(args.threads, len(live), end)
    return {
        "joins": joins,
        "settle": settle,
        "in_progress": len(live),
        "speech": speech,
        "ends": ends,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=600)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--hold", type=float, default=10.0, help="seconds to hold the calls")
    parser.add_argument("--conferences", type=int, default=100, help="rooms of three")
    args = parser.parse_args()

    app_url, app_process = start_application()
    sim = start_simulator("--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN)
    http = httpx.Client(base_url=sim.base_url, timeout=30)
    try:
        health = f"{sim.base_url}/sim/health"

        def get_health(index: int, client: TwilioHttpClient | None) -> TwilioHttpClient:
            client = client or TwilioHttpClient(timeout=30)
            assert client.request("GET", health).status_code == 200
            return client

        def create(index: int, client) -> object:
            client = client or simulator_client(sim.base_url, ACCOUNT_SID, AUTH_TOKEN)
            client.calls.create(
                to=TALKER,
                from_="+14155550100",
                url=f"{app_url}/voice",
                status_callback=f"{app_url}/status",
                status_callback_event=EVENTS,
            )
            return client

        in_threads(args.threads, 50, get_health)  # warm up both sides
        baseline = in_threads(args.threads, args.calls, get_health)
        creates = in_threads(args.threads, args.calls, create)

        def stats() -> dict:
            return http.get("/sim/stats").json()

        def all_answered() -> bool:
            counts = httpx.get(f"{app_url}/counts").json()
            return counts.get("status:in-progress", 0) >= args.calls

        settle = wait_until(all_answered, timeout=60)
        time.sleep(args.hold)
        held = stats()["by_status"].get("in-progress", 0)
        loaded = in_threads(args.threads, args.calls, get_health)
        counts = httpx.get(f"{app_url}/counts").json()
        rooms = conference_run(sim.base_url, app_url, http, args)
    finally:
        http.close()
        sim.stop()
        app_process.terminate()

    print(f"voicesim load, {args.calls} calls from {args.threads} threads")
    print(f"  baseline GET /sim/health     {baseline:8.1f} req/s")
    print(f"  creates (twilio client)      {creates:8.1f} calls/s   ratio {creates / baseline:.2f}")
    print(f"  all answered callbacks in    {settle:8.1f} s after the last create")
    print(f"  concurrent live calls held   {held:8d}   after {args.hold:.0f} s more")
    print(
        f"  TwiML requests / callbacks   {counts.get('voice', 0)} / "
        f"{sum(v for k, v in counts.items() if k.startswith('status:'))} answered"
    )
    print(f"  GET /sim/health while held   {loaded:8.1f} req/s   ratio {loaded / baseline:.2f}")
    print(
        f"  targets: creates >= 100/s {'met' if creates >= 100 else 'MISSED'}, "
        f"concurrent >= 500 {'met' if held >= 500 else 'MISSED'}"
    )
    print(f"voicesim conferences, {args.conferences} rooms of 3, beside the calls held")
    print(f"  joins (TwiML + Participants)  {rooms['joins']:8.1f} participants/s")
    print(f"  all joined callbacks in       {rooms['settle']:8.1f} s after the last create")
    print(f"  rooms in progress             {rooms['in_progress']:8d}")
    print(f"  speech routed (/sim say)      {rooms['speech']:8.1f} utterances/s, heard by 2 each")
    print(f"  rooms ended (Conferences API) {rooms['ends']:8.1f} rooms/s")


if __name__ == "__main__":
    main()
