"""Scheduling from the admin's "Redirect to URL…" page: at a time, after N
seconds, or when the call's leg ends; at most one, with the error on the form.
The redirects admin then cancels a scheduled one and refuses a sent one."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from calls.models import CallStatus, Redirect, RedirectState, RedirectTrigger
from tests.api.records import make_call, make_leg, make_redirect

CALLS = "/admin/calls/call/"
REDIRECTS = "/admin/calls/redirect/"
FORM = {
    "action": "redirect_to_url",
    "apply": "Redirect",
    "url": "https://flows.example.com/survey",
    "method": "POST",
    "fallback_method": "POST",
}


def redirect_to_url(client, calls, **fields):
    return client.post(CALLS, {**FORM, "_selected_action": [call.pk for call in calls], **fields})


def in_an_hour() -> dict[str, str]:
    at = timezone.localtime() + timedelta(hours=1)
    return {"at_0": at.strftime("%Y-%m-%d"), "at_1": at.strftime("%H:%M:%S")}


def test_the_page_offers_the_three_ways_under_when(supervisor):
    call = make_call()

    response = supervisor.post(CALLS, {"action": "redirect_to_url", "_selected_action": [call.pk]})

    page = response.content.decode()
    assert response.status_code == 200
    assert ">When</h2>" in page
    assert "Leave all empty to redirect now." in page
    for name in ("at_0", "at_1", "after_seconds", "when_leg_ends"):
        assert f'name="{name}"' in page


def test_after_seconds_schedules_each_call(supervisor):
    calls = [make_call(), make_call()]
    before = timezone.now()

    response = redirect_to_url(supervisor, calls, after_seconds="120")

    assert response.status_code == 302
    for call in calls:
        redirect = call.redirects.get()
        assert (redirect.state, redirect.trigger) == (RedirectState.SCHEDULED, RedirectTrigger.AT)
        assert before + timedelta(seconds=120) <= redirect.due_at
        assert redirect.due_at <= timezone.now() + timedelta(seconds=120)


def test_when_leg_ends_waits_for_the_agent_to_hang_up(supervisor):
    call = make_call()
    make_leg(call)

    response = redirect_to_url(supervisor, [call], when_leg_ends="on")

    assert response.status_code == 302
    redirect = Redirect.objects.get()
    assert (redirect.state, redirect.trigger, redirect.due_at) == (
        RedirectState.SCHEDULED,
        RedirectTrigger.LEG_ENDED,
        None,
    )


@pytest.mark.parametrize(
    "fields, named",
    [
        ({**in_an_hour(), "after_seconds": "60"}, ["at", "after_seconds"]),
        ({**in_an_hour(), "when_leg_ends": "on"}, ["at", "when_leg_ends"]),
        ({"after_seconds": "60", "when_leg_ends": "on"}, ["after_seconds", "when_leg_ends"]),
    ],
)
def test_two_ways_at_once_are_an_error_on_each(supervisor, fields, named):
    response = redirect_to_url(supervisor, [make_call()], **fields)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert sorted(errors) == sorted(named)
    for name in named:
        assert "Give only one of at, after_seconds, when_leg_ends" in errors[name][0]
    assert not Redirect.objects.exists()


@pytest.mark.parametrize("after", ["0", "86401", "soon"])
def test_after_seconds_out_of_range_is_an_error(supervisor, after):
    response = redirect_to_url(supervisor, [make_call()], after_seconds=after)

    assert response.status_code == 200
    assert response.context["form"].errors["after_seconds"]
    assert not Redirect.objects.exists()


def test_an_ended_call_is_reported_and_the_live_one_scheduled(supervisor):
    live, ended = make_call(), make_call(status=CallStatus.COMPLETED)

    response = redirect_to_url(supervisor, [live, ended], after_seconds="30")

    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert messages[0] == f"Redirect requested: 1 call ({live})."
    assert "refused" in messages[1]
    assert Redirect.objects.get().call == live


def test_a_scheduled_one_is_canceled_and_a_done_one_refused(supervisor):
    call = make_call()
    redirect_to_url(supervisor, [call], after_seconds="300")
    scheduled = call.redirects.get()
    sent = make_redirect(call, state=RedirectState.DONE)

    response = supervisor.post(
        REDIRECTS, {"action": "cancel", "_selected_action": [scheduled.pk, sent.pk], "index": 0}
    )

    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert messages[-2] == f"Canceled: 1 redirect (Redirect of {call})."
    assert "this one is done" in messages[-1]
    scheduled.refresh_from_db()
    sent.refresh_from_db()
    assert (scheduled.state, sent.state) == (RedirectState.CANCELED, RedirectState.DONE)
