"""Dialer pacing: campaigns against voicesim at 1, 10 and 50 calls/s, measured by
voicesim's own create times, and the most two worker processes reach.

Usage (PostgreSQL and Redis; a scratch database beside DATABASE_URL is created
and dropped):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/4 \\
    .venv/bin/python benchmarks/dialer_pacing.py [--quick]

The whole product runs for real: gunicorn (answer URL and status callbacks),
two `celery worker` processes (one process each), `celery beat`, and voicesim;
with --dialer-only no webhooks are served (each call then ends at once), which
shows the dialer's own pacing without six web requests per call on the CPUs.
For each setting a campaign of 60, 600 and 3,000 contacts (a tenth with
--quick) is started and, once voicesim has every create, printed: the achieved
rate (first to last create), the most creates in any one-second window, and
duplicates, and how busy the machine's CPUs were meanwhile (all processes,
this benchmark's and any other's). Then a campaign at the highest setting
allowed shows what two worker processes reach, against a plain loop of
`client.calls.create` to the same voicesim in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import time as clock_time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

from status_callbacks import drop_database, free_port, scratch_database  # noqa: E402

from callcenter.processes import (  # noqa: E402
    URL_PATTERN,
    VENV_BIN,
    celery_worker_command,
    child_env,
    start_process,
    stop_process,
    wait_for_line,
    worker_node,
)

SPEED = 10
ACCOUNT_SID = "AC" + "d" * 32
AUTH_TOKEN = "dialer-benchmark-token"
CALLER_ID = "+14155550100"
SETTINGS = [(1, 60), (10, 600), (50, 3000)]
TOLERANCE = 0.02


@dataclass(frozen=True)
class Figures:
    creates: int
    rate: float
    busiest_second: int
    duplicates: int


def figures(create_times: list[float], numbers: list[str]) -> Figures:
    """Rate from the first to the last create; the fullest [t, t+1) window; repeats."""
    times = sorted(create_times)
    busiest, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span else float("inf")
    return Figures(len(times), rate, busiest, len(numbers) - len(set(numbers)))


class CpuMeter:
    """Share of the machine's CPU time spent busy since it was made (Linux /proc/stat)."""

    def __init__(self):
        self.start = self._read()

    @staticmethod
    def _read() -> tuple[int, int] | None:
        try:
            fields = [int(value) for value in Path("/proc/stat").read_text().split()[1:9]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + fields[4]  # idle and iowait
        return sum(fields) - idle, sum(fields)

    def busy(self) -> str:
        end = self._read()
        if self.start is None or end is None or end[1] == self.start[1]:
            return "n/a"
        return f"{(end[0] - self.start[0]) / (end[1] - self.start[1]):.0%}"


class Product:
    """voicesim, gunicorn, two workers and beat on a scratch database."""

    def __init__(self, database_url: str, logs: Path, *, webhooks: bool):
        self.processes: list[subprocess.Popen] = []
        try:
            self._start_all(database_url, logs, webhooks)
        except BaseException:
            self.stop()
            raise

    def _start_all(self, database_url: str, logs: Path, webhooks: bool) -> None:
        voicesim_log = logs / "voicesim.log"
        self.voicesim = self._start(
            [
                str(VENV_BIN / "python"),
                "-m",
                "voicesim",
                "--port",
                "0",
                "--speed",
                str(SPEED),
                "--account-sid",
                ACCOUNT_SID,
                "--auth-token",
                AUTH_TOKEN,
            ],
            child_env(),
            voicesim_log,
        )
        self.voicesim_url = wait_for_line(voicesim_log, URL_PATTERN, self.voicesim).group(0)
        port = free_port()
        self.env = child_env(
            DATABASE_URL=database_url,
            DATABASE_CONN_MAX_AGE="600",
            PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
            TWILIO_API_BASE_URL=self.voicesim_url,
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            LOG_LEVEL="WARNING",
        )
        os.environ.update(self.env)
        self._run_manage("migrate", "-v0")
        if webhooks:
            web = self._start(
                [
                    str(VENV_BIN / "gunicorn"),
                    "callcenter.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                ],
                self.env,
                logs / "web.log",
            )
            wait_for_line(logs / "web.log", re.compile(r"Booting worker"), web, timeout=30)
        for name in ("one", "two"):
            log = logs / f"worker-{name}.log"
            worker = self._start(
                celery_worker_command(worker_node(name), concurrency=1), self.env, log
            )
            wait_for_line(log, re.compile(r"ready\."), worker, timeout=60)
        self._start(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "callcenter",
                "beat",
                "--schedule",
                str(logs / "beat-schedule"),
            ],
            self.env,
            logs / "beat.log",
        )
        self.sim = httpx.Client(base_url=self.voicesim_url, auth=(ACCOUNT_SID, AUTH_TOKEN))

    def _start(self, args, env, log):
        process = start_process(args, env, log)
        self.processes.append(process)
        return process

    def _run_manage(self, *args: str) -> None:
        subprocess.run([str(VENV_BIN / "python"), "manage.py", *args], cwd=REPO, check=True)

    def create_times(self, numbers: set[str]) -> tuple[list[float], list[str]]:
        """Real seconds of voicesim's creates to `numbers`, and the numbers called."""
        calls = [
            call
            for call in self.sim.get("/sim/calls", timeout=60).json()["calls"]
            if call["to"] in numbers and call["direction"] == "outbound-api"
        ]
        return [call["created_sim"] / SPEED for call in calls], [call["to"] for call in calls]

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop_process(process)


def run_campaign(
    product: Product, label: str, rate: int, contacts: int, block: int
) -> tuple[Figures, str]:
    """The campaign's figures, and the CPUs' busy share while it dialed."""
    from campaigns.services import contacts as contact_import
    from campaigns.services import lifecycle

    numbers = [f"+1646{block}{index:06d}" for index in range(contacts)]
    campaign = lifecycle.create_campaign(
        name=f"pacing {label}",
        caller_id=CALLER_ID,
        message="This is a pacing test. Goodbye.",
        calls_per_second=rate,
        max_concurrent_calls=100_000,
        window_days="1234567",
        window_start=clock_time(0),
        window_end=clock_time(23, 59, 59),
    )
    contact_import.import_contacts(campaign.pk, "phone_number\n" + "\n".join(numbers))
    cpu = CpuMeter()
    lifecycle.start(campaign.pk)
    wanted = set(numbers)
    deadline = time.monotonic() + contacts / rate * 3 + 60
    while time.monotonic() < deadline:
        times, called = product.create_times(wanted)
        if len(set(called)) == contacts:
            busy = cpu.busy()
            break
        time.sleep(2)
    else:
        sys.exit(f"{label}: only {len(set(called))} of {contacts} contacts dialed in time")
    time.sleep(2)  # a duplicate would show up now
    times, called = product.create_times(wanted)
    return figures(times, called), busy


def plain_loop(product: Product, contacts: int, block: int) -> Figures:
    """`client.calls.create` one after another, as fast as it goes."""
    from calls import telephony

    numbers = [f"+1646{block}{index:06d}" for index in range(contacts)]
    for number in numbers:
        telephony.client().calls.create(
            to=number, from_=CALLER_ID, twiml="<Response><Hangup/></Response>"
        )
    times, called = product.create_times(set(numbers))
    return figures(times, called)


def two_workers_against_a_plain_loop(product: Product, scale: int) -> None:
    top = 100
    n = 2000 // scale
    dialer, busy = run_campaign(product, "throughput", top, n, 7)
    loop = plain_loop(product, n, 8)
    print(
        f"two workers at the {top}/s ceiling: {dialer.rate:.1f} calls/s "
        f"(max {dialer.busiest_second} in 1 s, {dialer.duplicates} dupes, "
        f"CPUs {busy} busy); "
        f"plain client.calls.create loop: {loop.rate:.1f} calls/s; "
        f"ratio {dialer.rate / loop.rate:.2f}"
    )


@contextlib.contextmanager
def kept_or_temporary(path: str | None):
    if path:
        Path(path).mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="dialer-pacing-") as logs:
        yield logs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the contacts")
    parser.add_argument(
        "--dialer-only",
        action="store_true",
        help="serve no webhooks (voicesim's requests are refused and calls end at once): "
        "the dialer's own figures, without the web load of every call's callbacks",
    )
    parser.add_argument(
        "--logs",
        metavar="DIR",
        help="keep the processes' logs in DIR (default: a temporary directory, removed)",
    )
    parser.add_argument(
        "--rates",
        type=lambda text: {int(rate) for rate in text.split(",")},
        help="only these settings, comma-separated (of 1,10,50); the two-worker "
        "comparison runs only when none is given",
    )
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    database_url = os.environ.get("DATABASE_URL", "")
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        sys.exit("CELERY_BROKER_URL must point at Redis (the shared token bucket lives there)")
    admin, scratch = scratch_database(database_url)
    product = None
    try:
        with kept_or_temporary(args.logs) as logs:
            product = Product(scratch, Path(logs), webhooks=not args.dialer_only)
            import django

            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")
            django.setup()
            web = "no webhooks served" if args.dialer_only else "gunicorn serving the webhooks"
            print(f"voicesim at speed {SPEED}; 2 worker processes, beat, {web}, PostgreSQL")
            print(f"{os.cpu_count()} CPUs; load average before: {os.getloadavg()[0]:.2f}")
            print(
                f"{'setting':>10} {'contacts':>8} {'achieved':>10} {'off by':>7} "
                f"{'max in 1 s':>10} {'dupes':>5} {'CPU busy':>8}"
            )
            failed = False
            for block, (rate, contacts) in enumerate(SETTINGS, start=1):
                if args.rates and rate not in args.rates:
                    continue
                n = max(contacts // scale, 5)
                result, busy = run_campaign(product, f"{rate}/s", rate, n, block)
                off = result.rate / rate - 1
                ok = abs(off) <= TOLERANCE and result.busiest_second <= rate
                failed |= not ok or result.duplicates > 0
                print(
                    f"{rate:>8}/s {n:>8} {result.rate:>8.3f}/s {off:>+7.2%} "
                    f"{result.busiest_second:>10} {result.duplicates:>5} {busy:>8}"
                    f"{'' if ok else '  OUT OF BOUNDS'}"
                )
            if not args.rates:
                two_workers_against_a_plain_loop(product, scale)
            product.stop()
            product = None
    finally:
        if product is not None:
            product.stop()
        drop_database(admin, scratch)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
