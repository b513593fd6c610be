"""Scheduling a redirect or a hang-up through the API: at a moment, after N
seconds, or when the call's leg ends; at most one of them. A scheduled change
waits in the database, sends nothing, and can be canceled until it is due."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import CallStatus, Redirect, RedirectState, RedirectTrigger
from tests.api.records import make_call, make_leg, make_redirect

SURVEY = "https://flows.example.com/survey"


def post(client, call, verb: str, body: dict):
    return client.post(f"/api/v1/calls/{call.sid}/{verb}/", body, format="json")


def cancel(client, redirect: Redirect):
    return client.post(f"/api/v1/redirects/{redirect.pk}/cancel/")


@pytest.mark.parametrize("verb, body", [("redirect", {"url": SURVEY}), ("hangup", {})])
class TestWhen:
    def test_after_seconds_is_due_that_many_seconds_from_now(
        self, supervisor, django_capture_on_commit_callbacks, verb, body
    ):
        before = timezone.now()

        with django_capture_on_commit_callbacks() as callbacks:
            response = post(supervisor, make_call(), verb, {**body, "after_seconds": 90})

        assert response.status_code == 202, response.content
        redirect = Redirect.objects.get()
        assert (redirect.state, redirect.trigger) == (RedirectState.SCHEDULED, RedirectTrigger.AT)
        assert before + timedelta(seconds=90) <= redirect.due_at
        assert redirect.due_at <= timezone.now() + timedelta(seconds=90)
        assert response.json()["due_at"] is not None
        assert not callbacks

    def test_when_leg_ends_waits_for_the_live_leg(
        self, supervisor, django_capture_on_commit_callbacks, verb, body
    ):
        call = make_call()
        make_leg(call)

        with django_capture_on_commit_callbacks() as callbacks:
            response = post(supervisor, call, verb, {**body, "when_leg_ends": True})

        assert response.status_code == 202, response.content
        redirect = Redirect.objects.get()
        assert (redirect.state, redirect.trigger, redirect.due_at) == (
            RedirectState.SCHEDULED,
            RedirectTrigger.LEG_ENDED,
            None,
        )
        assert response.json()["trigger"] == "leg-ended"
        assert not callbacks

    def test_when_leg_ends_goes_now_when_no_leg_is_live(
        self, supervisor, django_capture_on_commit_callbacks, verb, body
    ):
        call = make_call()
        make_leg(call, status=CallStatus.COMPLETED)

        with django_capture_on_commit_callbacks() as callbacks:
            response = post(supervisor, call, verb, {**body, "when_leg_ends": True})

        assert response.status_code == 202, response.content
        assert Redirect.objects.get().state == RedirectState.QUEUED
        assert len(callbacks) == 1

    def test_when_leg_ends_false_is_no_choice(self, supervisor, verb, body):
        at = timezone.now() + timedelta(minutes=5)

        response = post(
            supervisor, make_call(), verb, {**body, "at": at.isoformat(), "when_leg_ends": False}
        )

        assert response.status_code == 202, response.content
        redirect = Redirect.objects.get()
        assert (redirect.trigger, redirect.due_at) == (RedirectTrigger.AT, at)

    @pytest.mark.parametrize(
        "when",
        [
            {"at": "2999-01-01T00:00:00Z", "after_seconds": 5},
            {"at": "2999-01-01T00:00:00Z", "when_leg_ends": True},
            {"after_seconds": 5, "when_leg_ends": True},
            {"at": "2999-01-01T00:00:00Z", "after_seconds": 5, "when_leg_ends": True},
        ],
    )
    def test_two_choices_are_a_400_naming_each(self, supervisor, verb, body, when):
        response = post(supervisor, make_call(), verb, {**body, **when})

        assert response.status_code == 400, response.content
        assert set(response.json()) == set(when)
        for field in when:
            assert "Give only one of at, after_seconds, when_leg_ends" in response.json()[field][0]
        assert not Redirect.objects.exists()

    @pytest.mark.parametrize("after", [0, -3, 86_401, "soon", 2.5])
    def test_after_seconds_out_of_range_is_a_400(self, supervisor, verb, body, after):
        response = post(supervisor, make_call(), verb, {**body, "after_seconds": after})

        assert response.status_code == 400, response.content
        assert response.json()["after_seconds"]
        assert not Redirect.objects.exists()

    def test_a_day_is_the_longest_wait(self, supervisor, verb, body):
        response = post(supervisor, make_call(), verb, {**body, "after_seconds": 86_400})

        assert response.status_code == 202, response.content

    def test_when_leg_ends_must_be_a_boolean(self, supervisor, verb, body):
        response = post(supervisor, make_call(), verb, {**body, "when_leg_ends": "later"})

        assert response.status_code == 400
        assert response.json()["when_leg_ends"]

    def test_an_ended_call_takes_no_schedule(self, supervisor, verb, body):
        call = make_call(status=CallStatus.COMPLETED)

        response = post(supervisor, call, verb, {**body, "after_seconds": 30})

        assert response.status_code == 409
        assert not Redirect.objects.exists()


class TestCancel:
    def test_a_scheduled_redirect_is_canceled_before_it_is_due(self, supervisor):
        scheduled = post(supervisor, make_call(), "redirect", {"url": SURVEY, "after_seconds": 60})

        response = supervisor.post(f"/api/v1/redirects/{scheduled.json()['id']}/cancel/")

        assert response.status_code == 200
        assert response.json()["state"] == "canceled"
        redirect = Redirect.objects.get()
        assert redirect.state == RedirectState.CANCELED
        assert redirect.finished_at is not None
        assert supervisor.user.username in redirect.error_message

    def test_one_waiting_for_the_leg_is_canceled_too(self, supervisor):
        call = make_call()
        make_leg(call)
        post(supervisor, call, "hangup", {"when_leg_ends": True})

        response = cancel(supervisor, Redirect.objects.get())

        assert response.status_code == 200
        assert Redirect.objects.get().state == RedirectState.CANCELED

    def test_a_done_one_is_a_409_and_stays_done(self, supervisor):
        redirect = make_redirect(make_call(), state=RedirectState.DONE)

        response = cancel(supervisor, redirect)

        assert response.status_code == 409
        assert response.json()["code"] == "not_scheduled"
        assert "done" in response.json()["detail"]
        redirect.refresh_from_db()
        assert redirect.state == RedirectState.DONE

    def test_a_canceled_one_cannot_be_canceled_again(self, supervisor):
        post(supervisor, make_call(), "redirect", {"url": SURVEY, "after_seconds": 60})
        redirect = Redirect.objects.get()
        cancel(supervisor, redirect)

        response = cancel(supervisor, redirect)

        assert response.status_code == 409

    def test_a_viewer_may_not_cancel(self, viewer, supervisor):
        post(supervisor, make_call(), "redirect", {"url": SURVEY, "after_seconds": 60})
        redirect = Redirect.objects.get()

        response = cancel(viewer, redirect)

        assert response.status_code == 403
        redirect.refresh_from_db()
        assert redirect.state == RedirectState.SCHEDULED
