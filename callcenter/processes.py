"""Run the product's processes (voicesim, gunicorn, Celery) as children and read
their logs: the end-to-end tests and the benchmarks start the product the way a
deployment does, each process with its own log file.
"""

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
URL_PATTERN = re.compile(r"https?://[\w.\-\[\]:]+")


def start_process(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    log = log_path.open("wb")
    return subprocess.Popen(
        args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_line(log_path: Path, pattern: re.Pattern, process: subprocess.Popen, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        match = pattern.search(text)
        if match:
            return match
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}:\n{text}")
        time.sleep(0.05)
    raise TimeoutError(f"{process.args} printed no {pattern.pattern!r} in {timeout}s")


def worker_node(name: str) -> str:
    """A node name of its own for a worker named `name`: `name-<random>@host`.

    A worker's remote-control queue is named after its node and is exclusive on
    RabbitMQ, so two workers of one node name on one server (two runs side by
    side) would refuse each other; a command sent to one worker names its node."""
    return f"{name}-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"


def celery_worker_command(node: str, *, concurrency: int) -> list[str]:
    """A `celery worker` of the product, the node `node`, logging each task it runs."""
    return [
        str(VENV_BIN / "celery"),
        "-A",
        "callcenter",
        "worker",
        "-n",
        node,
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
    ]


def child_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(overrides)
    env["PYTHONUNBUFFERED"] = "1"
    return env
