"""Distributors running at once (beat, on-commit nudges, a redelivered task) on
PostgreSQL: no caller is offered twice and no agent takes two callers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from calls.models import Redirect
from queues import selectors, services
from queues.models import EntryStatus, QueueEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def distribute_in_own_connection() -> int:
    try:
        return services.distribute()
    finally:
        connection.close()


def test_concurrent_distributors_pair_each_caller_and_agent_once(queue, caller, make_agent):
    agents = [make_agent(name) for name in ("Ann", "Bob", "Cy")]
    callers = [caller(f"+141555501{n:02d}") for n in range(6)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        offered = sum(pool.map(lambda _: distribute_in_own_connection(), range(4)))

    assert offered == 3
    taken = QueueEntry.objects.filter(status=EntryStatus.OFFERED).order_by("rank")
    assert [entry.pk for entry in taken] == [entry.pk for entry in callers[:3]]
    assert sorted(entry.agent_id for entry in taken) == sorted(agent.pk for agent in agents)
    assert Redirect.objects.count() == 3
    assert list(selectors.waiting_entries(queue)) == callers[3:]
