"""A persistent PostgreSQL connection the server has ended is replaced before use."""

import psycopg
import pytest
from django.db import connection

from tests.support.processes import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    """End the backend and return once the server no longer lists it."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        listed = "SELECT 1 FROM pg_stat_activity WHERE pid = %s"
        wait_until(lambda: admin.execute(listed, [pid]).fetchone() is None, interval=0.01)


def test_a_live_connection_is_usable():
    backend_pid()

    assert connection.is_usable()


def test_a_connection_the_server_ended_is_replaced_at_the_next_request():
    first = backend_pid()
    terminate(first)

    assert not connection.is_usable()
    connection.health_check_done = False  # what a new request does
    assert backend_pid() != first
