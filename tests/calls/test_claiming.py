"""Claimers of due rows running at once: each row is claimed once, and none waits
for the rows another holds.

Each thread has its own database connection, as two worker processes would.
"""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.utils import timezone

from calls import services
from calls.models import Redirect, RedirectState
from calls.services.claiming import claim_due
from tests.calls.conftest import place
from tests.support.twilio_requests import status_params

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Only reached when the second claimer waits on the first one's locks.
HOLD_TIMEOUT = 10


class Handed:
    """Stands in for a send task: the ids handed over, in order."""

    def __init__(self):
        self.ids = []

    def delay(self, pk):
        self.ids.append(pk)


def scheduled_redirects(twilio, count: int, at: dt.datetime) -> set[int]:
    call = services.dispatch_call(place().pk)
    services.record_status_event(status_params(call.sid, "in-progress", 2))
    return {
        services.request_redirect(call, url=f"https://app.example/{n}", at=at).pk
        for n in range(count)
    }


def test_a_claimer_passes_over_the_rows_another_holds_and_claims_the_rest(twilio):
    at = timezone.now() + dt.timedelta(seconds=30)
    due = scheduled_redirects(twilio, 6, at)
    first_holds, second_done = threading.Event(), threading.Event()
    handed = Handed()

    def first():
        try:
            with transaction.atomic():
                claimed = claim_due(Redirect.objects.all(), now=at, batch=2, send_task=handed)
                first_holds.set()
                return claimed, second_done.wait(HOLD_TIMEOUT)
        finally:
            first_holds.set()
            connection.close()

    def second():
        try:
            first_holds.wait(HOLD_TIMEOUT)
            return claim_due(Redirect.objects.all(), now=at, batch=10, send_task=handed)
        finally:
            second_done.set()
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        first_run, second_run = pool.submit(first), pool.submit(second)
        (first_claimed, second_finished_meanwhile), second_claimed = (
            first_run.result(),
            second_run.result(),
        )

    assert second_finished_meanwhile
    assert len(first_claimed) == 2
    assert set(first_claimed).isdisjoint(second_claimed)
    assert set(first_claimed) | set(second_claimed) == due
    assert sorted(handed.ids) == sorted(due)
    assert set(Redirect.objects.values_list("state", flat=True)) == {RedirectState.QUEUED}


def test_claims_only_scheduled_rows_due_by_then_the_longest_waiting_first(twilio):
    now = timezone.now()
    later = scheduled_redirects(twilio, 1, now + dt.timedelta(seconds=60))
    sooner = scheduled_redirects(twilio, 1, now + dt.timedelta(seconds=20))
    soonest = scheduled_redirects(twilio, 1, now + dt.timedelta(seconds=10))
    handed = Handed()

    claimed = claim_due(
        Redirect.objects.all(), now=now + dt.timedelta(seconds=30), batch=10, send_task=handed
    )

    assert claimed == [*soonest, *sooner]
    assert handed.ids == claimed
    assert Redirect.objects.get(pk=later.pop()).state == RedirectState.SCHEDULED
    assert (
        claim_due(
            Redirect.objects.all(), now=now + dt.timedelta(seconds=30), batch=10, send_task=handed
        )
        == []
    )
