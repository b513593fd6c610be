"""The Celery broker of the end-to-end tests: which one, and the queues on it.

The processes of a test (its workers, and the test process handing tasks over)
share one broker URL and one default queue. The configured broker runs every
end-to-end test; a test module may run the same flows on another one
(RabbitMQ) with queues of its own, so no other run on that broker sees them.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass

from celery import Celery
from kombu import Connection, pools


@dataclass(frozen=True)
class Broker:
    url: str
    queue: str  # the default queue; the dialer's is named after it

    def worker_env(self) -> dict[str, str]:
        return {"CELERY_BROKER_URL": self.url, "CELERY_TASK_DEFAULT_QUEUE": self.queue}


@functools.cache
def reachable(url: str, timeout: float = 3) -> bool:
    """Whether a broker answers at `url` (asked once a run). One that answers but
    refuses the credentials is a mistake to see, so that error is raised."""
    with Connection(url, connect_timeout=timeout) as connection:
        try:
            connection.connect()
        except (OSError, *connection.connection_errors):
            return False
    return True


def _drop_connections(app: Celery) -> None:
    """Celery keeps one connection pool and one producer pool per app, made for the
    broker of their first use; after a switch the next task must open new ones."""
    pools.reset()  # kombu's pools of every broker, closed and forgotten
    app._after_fork()  # Celery's own reset of its pools, as in a forked child


# Celery reads these from the environment before its configuration: the URL it
# sends on is the write URL when one is set (a test may have left one in the
# configuration), else the broker URL.
URL_VARIABLES = ("CELERY_BROKER_URL", "CELERY_BROKER_WRITE_URL")


@contextlib.contextmanager
def tasks_sent_through(app: Celery, broker: Broker) -> Iterator[None]:
    """Inside the block this process sends its tasks to `broker`'s URL and queue."""
    saved_urls = {name: os.environ.get(name) for name in URL_VARIABLES}
    saved_queue = app.conf.task_default_queue
    switch = broker.url != app.connection_for_write().as_uri(include_password=True)
    if switch:
        os.environ.update(dict.fromkeys(URL_VARIABLES, broker.url))
        _drop_connections(app)
    app.conf.task_default_queue = broker.queue
    try:
        yield
    finally:
        app.conf.task_default_queue = saved_queue
        if switch:
            for name, value in saved_urls.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            _drop_connections(app)


def purge(app: Celery, queues: list[str]) -> None:
    """Empty `queues`, declared first as Celery declares them (RabbitMQ refuses to
    purge a queue that does not exist yet; Redis does not mind)."""
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for name in queues:
            app.amqp.queues[name](channel).declare()
            channel.queue_purge(name)


def delete(url: str, queues: list[str]) -> None:
    """Remove `queues` and their exchanges (Celery names each after its queue)."""
    with Connection(url) as connection:
        channel = connection.default_channel
        for name in queues:
            channel.queue_delete(name)
            channel.exchange_delete(name)
