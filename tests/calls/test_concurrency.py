"""Tasks run twice at once (acks_late redelivery, two workers) and callbacks arriving
together change things once, and in order.

Each thread has its own database connection, as two worker processes would.
"""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone

from calls import services
from calls.exceptions import RetryLater
from calls.models import Call, Redirect, RedirectState
from tests.calls.conftest import place
from tests.support.twilio_requests import status_params

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def side_by_side(calls: list) -> list:
    """Run each call in its own thread at the same time; their results in order."""

    def run(call):
        try:
            return call()
        except RetryLater as later:
            return later
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def at_once(function, *args, times: int = 2) -> list:
    return side_by_side([partial(function, *args)] * times)


def test_two_dispatches_at_once_dial_once(twilio):
    twilio.delay = 0.3
    call = place()
    results = at_once(services.dispatch_call, call.pk)
    assert len(twilio.requests("create")) == 1
    assert sum(result is not None for result in results) == 1
    assert Call.objects.get(pk=call.pk).sid


def test_two_sends_of_one_redirect_at_once_update_once(twilio):
    call = services.dispatch_call(place().pk)
    services.record_status_event(status_params(call.sid, "in-progress", 2))
    redirect = services.request_redirect(call, url="https://app.example/next")
    twilio.delay = 0.3
    at_once(services.send_redirect, redirect.pk)
    assert len(twilio.requests("update")) == 1
    assert Redirect.objects.get(pk=redirect.pk).state == RedirectState.DONE


def test_beat_runs_at_once_claim_each_due_redirect_once(twilio):
    call = services.dispatch_call(place().pk)
    services.record_status_event(status_params(call.sid, "in-progress", 2))
    at = timezone.now() + dt.timedelta(seconds=30)
    due = {
        services.request_redirect(call, url=f"https://app.example/{n}", at=at).pk for n in range(40)
    }
    claims = at_once(lambda: services.fire_due_redirects(now=at), times=4)
    claimed = [pk for claim in claims for pk in claim]
    assert sorted(claimed) == sorted(due)


def test_the_same_callback_at_once_is_stored_once(twilio):
    call = services.dispatch_call(place().pk)
    params = status_params(call.sid, "ringing", 1)
    results = at_once(services.record_status_event, params, times=4)
    assert sum(result is not None for result in results) == 1
    assert call.events.count() == 1


def test_a_calls_callbacks_at_once_leave_it_at_its_latest_status(twilio):
    call = services.dispatch_call(place().pk)
    life = ["initiated", "ringing", "in-progress", "completed"]
    callbacks = [status_params(call.sid, status, n) for n, status in enumerate(life)] * 2
    side_by_side([partial(services.record_status_event, params) for params in callbacks])
    assert Call.objects.get(pk=call.pk).status == "completed"
    assert sorted(call.events.values_list("sequence_number", flat=True)) == [0, 1, 2, 3]


def test_a_legs_first_callbacks_at_once_create_it_once_under_its_parent(twilio):
    call = services.dispatch_call(place().pk)
    leg_sid = "CA" + "5" * 32
    life = ["initiated", "ringing", "in-progress", "completed"]
    callbacks = [
        status_params(leg_sid, status, n, ParentCallSid=call.sid, Direction="outbound-dial")
        for n, status in enumerate(life)
    ]
    side_by_side([partial(services.record_status_event, params) for params in callbacks * 2])
    [leg] = call.legs.all()
    assert (leg.sid, leg.status) == (leg_sid, "completed")
    assert leg.events.count() == 4


def test_the_same_amd_verdict_at_once_hangs_up_once(twilio):
    call = services.dispatch_call(place(if_machine="hangup", async_amd=True).pk)
    verdict = {"CallSid": call.sid, "AccountSid": call.account_sid, "AnsweredBy": "machine_start"}
    at_once(services.record_machine_detection, call.pk, verdict, times=4)
    assert call.events.filter(kind="amd").count() == 1
    assert Redirect.objects.filter(call=call, target_status="completed").count() == 1
