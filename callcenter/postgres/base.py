"""Django's PostgreSQL backend, with a health check that costs no round trip and
a cursor for the few hot statements that are planned once per connection.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before each request's first
query on a persistent connection. For a status callback, whose work is one
statement, that check is half the database round trips.
An idle connection has nothing to read: the server only speaks when asked.
When it ends a connection (a restart, `pg_terminate_backend`, an idle timeout,
a crashed backend), it sends its last message or closes the socket, and either
makes the socket readable. So the check polls the socket without waiting, and
asks the server with `SELECT 1`, as Django does, only when there is something
to read.

A check can only see what has happened: the server may end the connection
after the poll, before the request's first statement reaches it (a burst of
terminations under load does). Nothing of the request has run on that
connection yet, and a backend that exits rolls back what it had started, so
that first statement is run again on a new connection instead of failing the
request: outside a transaction, or as the first of an outermost atomic block
(which the new connection carries on). Any later failure is the request's: it
answers 503 (callcenter/middleware.py).

Django binds parameters on the client, which psycopg never prepares, so
PostgreSQL plans every statement anew. `prepared_cursor()` binds them on the
server, and psycopg prepares a statement once it has run `prepare_threshold`
times on the connection (the settings set it, from DATABASE_PREPARED_STATEMENTS;
Django's own cursors are unaffected): a statement whose planning costs more
than its execution (the status callback's, with its common table expressions)
is then planned once per connection. Its rows come back in binary, which
psycopg reads in C where Django's text loader for timestamps is Python.
Behind PgBouncer in transaction mode, prepared statements need PgBouncer 1.21
or later with `max_prepared_statements`, or DATABASE_PREPARED_STATEMENTS=false.
"""

from __future__ import annotations

import contextlib
import select

from django.db import DatabaseError, OperationalError
from django.db.backends.postgresql import base
from django.db.backends.utils import CursorWrapper
from psycopg import pq

# Django's record of the open atomic block, which `connect()` resets.
TRANSACTION_STATE = (
    "in_atomic_block",
    "atomic_blocks",
    "savepoint_ids",
    "savepoint_state",
    "commit_on_exit",
    "needs_rollback",
    "run_on_commit",
)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A reused connection that passed its health check and has run nothing since.
        self.checked_idle = False
        self.execute_wrappers.append(self.retry_first_statement_on_ended_connection)

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        poll = select.poll()
        poll.register(connection.fileno(), select.POLLIN)
        return not poll.poll(0) or super().is_usable()

    def close_if_health_check_failed(self) -> None:
        checking = self.health_check_enabled and not self.health_check_done
        super().close_if_health_check_failed()
        if checking:
            self.checked_idle = self.connection is not None

    def retry_first_statement_on_ended_connection(self, execute, sql, params, many, context):
        """Run the first statement after a passed check on a new connection when the
        server ended the checked one in between (see the module's docstring)."""
        if not self.checked_idle:
            return execute(sql, params, many, context)
        self.checked_idle = False
        try:
            return execute(sql, params, many, context)
        except OperationalError:
            wrapper = context["cursor"]
            ended = self.connection is None or self.connection.closed
            if not ended or getattr(wrapper.cursor, "name", None) or self.inside_savepoint():
                raise
        self.reconnect_keeping_transaction()
        fresh = type(wrapper.cursor)(self.connection)
        fresh.format = wrapper.cursor.format
        wrapper.cursor = fresh
        return execute(sql, params, many, context)

    def inside_savepoint(self) -> bool:
        """Whether a nested atomic block (a savepoint) is open: its statement may not
        be the transaction's first."""
        return self.in_atomic_block and (len(self.atomic_blocks) > 1 or bool(self.savepoint_ids))

    def reconnect_keeping_transaction(self) -> None:
        """A new connection in place of the ended one. Inside an outermost atomic
        block whose first statement this was, the new connection carries on the
        block: Django's bookkeeping of it is kept, and autocommit is off as the
        block had set it (PostgreSQL begins the transaction with the retried
        statement, as it would have on the old connection)."""
        if not self.in_atomic_block:
            self.close()
            self.ensure_connection()
            return
        kept = {name: getattr(self, name) for name in TRANSACTION_STATE}
        with contextlib.suppress(DatabaseError):
            self._close()
        self.connection = None
        self.connect()
        for name, value in kept.items():
            setattr(self, name, value)
        self._set_autocommit(False)
        self.autocommit = False

    def prepared_cursor(self) -> CursorWrapper:
        """A cursor binding on the server, reading binary rows (health-checked and
        logged as any other)."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = base.ServerBindingCursor(self.connection)
            cursor.format = pq.Format.BINARY
            return self._prepare_cursor(cursor)
