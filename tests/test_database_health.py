"""A persistent PostgreSQL connection the server has ended is replaced before use."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction

from tests.support.database import admin_connection, backend_pid, terminate, wait_until_ended

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


def test_a_transaction_whose_connection_ended_right_after_its_check_runs_on_a_new_one():
    """The same race when the request's first statement opens an atomic block: it
    runs on a new connection, and the block commits there."""
    first = backend_pid()
    connection.health_check_done = False  # what a new request does
    connection.close_if_health_check_failed()  # the check passes: nothing to read yet
    terminate(first)
    wait_until_ended(first)

    with transaction.atomic():
        replacement = backend_pid()
        Group.objects.create(name="Night shift")

    assert replacement != first
    assert not connection.in_atomic_block and connection.get_autocommit()
    with admin_connection() as other_session:
        stored = other_session.execute("SELECT name FROM auth_group WHERE name = 'Night shift'")
        assert stored.fetchall() == [("Night shift",)]
