"""The test database as a URL, so worker processes use the same one, and the
database made unreachable for outage tests."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection


def test_database_url() -> str:
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or ""
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


@contextmanager
def database_unreachable() -> Iterator[None]:
    """The default database cannot be reached while inside: PostgreSQL on a port
    nothing listens on (bound, never listening), SQLite in a missing directory."""
    params = connection.settings_dict
    saved = {name: params.get(name) for name in ("NAME", "PORT")}
    with socket.socket() as closed_port:
        closed_port.bind(("127.0.0.1", 0))
        if connection.vendor == "sqlite":
            params["NAME"] = "/nonexistent-directory/db.sqlite3"
        else:
            params["PORT"] = closed_port.getsockname()[1]
        connection.close()
        try:
            yield
        finally:
            connection.close()
            params.update(saved)


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def admin_connection() -> psycopg.Connection:
    """A plain connection to the test database, beside Django's."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(**params, autocommit=True)


def terminate(pid: int) -> None:
    with admin_connection() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def wait_until_ended(pid: int) -> None:
    """Until PostgreSQL no longer lists backend `pid` (its goodbye is on our socket)."""
    with admin_connection() as admin:
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            admin.execute("SELECT pg_sleep(0.01)")
