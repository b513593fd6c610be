"""A persistent PostgreSQL connection the server has ended is replaced before use."""

import pytest
from django.db import connection

from tests.support.database import backend_pid, terminate, wait_until_ended

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_live_connection_is_usable():
    backend_pid()

    assert connection.is_usable()


def test_a_connection_the_server_ended_is_replaced_at_the_next_request():
    first = backend_pid()
    terminate(first)
    wait_until_ended(first)  # the server's goodbye is on the socket

    assert not connection.is_usable()
    connection.health_check_done = False  # what a new request does
    assert backend_pid() != first


def test_a_connection_ended_right_after_its_check_passed_costs_no_request():
    """The race of a burst of terminations: the check polls an idle socket, then the
    server ends the connection before the request's first statement reaches it."""
    first = backend_pid()
    connection.health_check_done = False  # what a new request does
    connection.close_if_health_check_failed()  # the check passes: nothing to read yet
    terminate(first)
    wait_until_ended(first)

    assert backend_pid() != first
