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

import select

from django.db.backends.postgresql import base
from django.db.backends.utils import CursorWrapper
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        poll = select.poll()
        poll.register(connection.fileno(), select.POLLIN)
        return not poll.poll(0) or super().is_usable()

    def prepared_cursor(self) -> CursorWrapper:
        """A cursor binding on the server, reading binary rows (health-checked and
        logged as any other)."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = base.ServerBindingCursor(self.connection)
            cursor.format = pq.Format.BINARY
            return self._prepare_cursor(cursor)
