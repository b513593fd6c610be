"""Redirect, hang up and cancel live calls; list and cancel redirects. Each
request is a Redirect row sent by a task; one the call's state refuses is a
409 and leaves no row."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import CallStatus, Redirect, RedirectState, Source
from tests.api.records import make_call, make_redirect

STUDIO_FLOW = "https://webhooks.twilio.com/v1/Accounts/AC" + "1" * 32 + "/Flows/FW" + "2" * 32


def post(client, call, verb: str, body: dict | None = None):
    return client.post(f"/api/v1/calls/{call.sid}/{verb}/", body or {}, format="json")


class TestRedirect:
    def test_now_answers_202_with_the_redirect_queued_for_a_worker(
        self, supervisor, django_capture_on_commit_callbacks
    ):
        call = make_call()
        body = {"url": "https://flows.example.com/survey", "method": "GET", "reason": "survey"}

        with django_capture_on_commit_callbacks() as callbacks:
            response = post(supervisor, call, "redirect", body)

        assert response.status_code == 202
        redirect = Redirect.objects.get()
        assert response.json()["id"] == redirect.pk
        assert response.json()["call_sid"] == call.sid
        assert (redirect.url, redirect.method, redirect.reason) == (
            "https://flows.example.com/survey",
            "GET",
            "survey",
        )
        assert (redirect.state, redirect.trigger) == (RedirectState.QUEUED, "now")
        assert (redirect.origin, redirect.requested_by) == (Source.API, supervisor.user)
        assert len(callbacks) == 1

    def test_with_inline_twiml(self, supervisor):
        twiml = "<Response><Say>Please hold.</Say></Response>"

        response = post(supervisor, make_call(), "redirect", {"twiml": twiml})

        assert response.status_code == 202
        assert Redirect.objects.get().twiml == twiml

    def test_at_a_future_moment_waits_in_the_database(
        self, supervisor, django_capture_on_commit_callbacks
    ):
        at = timezone.now() + timedelta(minutes=5)

        with django_capture_on_commit_callbacks() as callbacks:
            response = post(
                supervisor,
                make_call(),
                "redirect",
                {"url": "https://flows.example.com/survey", "at": at.isoformat()},
            )

        assert response.status_code == 202
        redirect = Redirect.objects.get()
        assert (redirect.state, redirect.trigger, redirect.due_at) == ("scheduled", "at", at)
        assert not callbacks

    @pytest.mark.parametrize(
        "body, field",
        [
            ({}, "url"),
            ({"url": "https://a.example.com/", "twiml": "<Response/>"}, "twiml"),
            ({"url": "flows.example.com/survey"}, "url"),
            ({"twiml": "<Response><Say>"}, "twiml"),
            ({"twiml": "<Say>hi</Say>"}, "twiml"),
            ({"url": "https://a.example.com/", "method": "PATCH"}, "method"),
            ({"url": "https://a.example.com/", "fallback_url": "nope"}, "fallback_url"),
            ({"url": "https://a.example.com/", "at": "tomorrow"}, "at"),
            ({"url": "https://a.example.com/", "at": "2001-01-01T00:00:00Z"}, "at"),
            ({"url": "https://a.example.com/", "reason": "x" * 201}, "reason"),
            ({"url": "https://a.example.com/", "Url": "https://b.example.com/"}, "Url"),
            ({"url": STUDIO_FLOW}, "url"),
        ],
    )
    def test_bad_input_is_a_400_naming_the_field(self, supervisor, body, field):
        response = post(supervisor, make_call(), "redirect", body)

        assert response.status_code == 400, response.content
        assert response.json()[field]
        assert not Redirect.objects.exists()

    def test_a_studio_flow_takes_a_call_that_is_still_ringing(self, supervisor):
        response = post(
            supervisor, make_call(status=CallStatus.RINGING), "redirect", {"url": STUDIO_FLOW}
        )

        assert response.status_code == 202

    @pytest.mark.parametrize("status", ["completed", "busy", "no-answer", "failed", "canceled"])
    def test_an_ended_call_is_a_409(self, supervisor, status):
        response = post(
            supervisor, make_call(status=status), "redirect", {"url": "https://a.example.com/"}
        )

        assert response.status_code == 409
        assert response.json()["code"] == "call_ended"
        assert status in response.json()["detail"]
        assert not Redirect.objects.exists()


class TestHangUpAndCancel:
    def test_hang_up_sends_status_completed(self, supervisor):
        response = post(supervisor, make_call(), "hangup", {"reason": "abusive caller"})

        assert response.status_code == 202
        assert response.json()["action"] == "Hang up"
        redirect = Redirect.objects.get()
        assert (redirect.target_status, redirect.reason) == ("completed", "abusive caller")

    def test_hang_up_at_a_moment(self, supervisor):
        at = timezone.now() + timedelta(minutes=10)

        response = post(supervisor, make_call(), "hangup", {"at": at.isoformat()})

        assert response.status_code == 202
        assert Redirect.objects.get().due_at == at

    def test_a_ringing_call_can_be_canceled(self, supervisor):
        response = post(supervisor, make_call(status=CallStatus.RINGING), "cancel")

        assert response.status_code == 202
        assert Redirect.objects.get().target_status == "canceled"

    def test_an_answered_call_cannot_be_canceled(self, supervisor):
        response = post(supervisor, make_call(status=CallStatus.IN_PROGRESS), "cancel")

        assert response.status_code == 409
        assert "Hang up" in response.json()["detail"]
        assert not Redirect.objects.exists()

    def test_an_ended_call_cannot_be_hung_up(self, supervisor):
        response = post(supervisor, make_call(status=CallStatus.COMPLETED), "hangup")

        assert response.status_code == 409
        assert not Redirect.objects.exists()

    def test_cancel_takes_no_time(self, supervisor):
        at = (timezone.now() + timedelta(minutes=1)).isoformat()

        response = post(supervisor, make_call(status=CallStatus.RINGING), "cancel", {"at": at})

        assert response.status_code == 400
        assert response.json()["at"]


class TestRedirects:
    def test_list_newest_first_filtered_by_call_and_state(self, viewer):
        call, other = make_call(), make_call()
        done = make_redirect(call, state=RedirectState.DONE)
        scheduled = make_redirect(call, trigger="at")
        make_redirect(other)

        def ids(query):
            response = viewer.get("/api/v1/redirects/", query)
            assert response.status_code == 200
            return [redirect["id"] for redirect in response.json()["results"]]

        assert ids({"call": call.sid}) == [scheduled.pk, done.pk]
        assert ids({"call": call.pk, "state": "done"}) == [done.pk]

    def test_a_scheduled_redirect_can_be_canceled(self, supervisor):
        redirect = make_redirect(
            make_call(), trigger="at", due_at=timezone.now() + timedelta(hours=1)
        )

        response = supervisor.post(f"/api/v1/redirects/{redirect.pk}/cancel/")

        assert response.status_code == 200
        assert response.json()["state"] == "canceled"
        redirect.refresh_from_db()
        assert redirect.state == RedirectState.CANCELED

    @pytest.mark.parametrize("state", ["queued", "sending", "done", "failed", "canceled"])
    def test_only_a_scheduled_redirect_can_be_canceled(self, supervisor, state):
        redirect = make_redirect(make_call(), state=state)

        response = supervisor.post(f"/api/v1/redirects/{redirect.pk}/cancel/")

        assert response.status_code == 409
        assert state in response.json()["detail"]
        redirect.refresh_from_db()
        assert redirect.state == state

    def test_an_unknown_redirect_is_a_404(self, supervisor):
        assert supervisor.post("/api/v1/redirects/999999/cancel/").status_code == 404


@pytest.mark.parametrize(
    "when", [{"after_seconds": 60}, {"at": "2099-01-01T00:00:00Z"}, {"when_leg_ends": True}]
)
def test_a_studio_flow_scheduled_for_an_answered_call_is_refused_at_once(supervisor, when):
    response = post(
        supervisor,
        make_call(status=CallStatus.IN_PROGRESS),
        "redirect",
        {"url": STUDIO_FLOW, **when},
    )

    assert response.status_code == 400, response.content
    assert "still ringing" in response.json()["url"][0]
    assert not Redirect.objects.exists()


def test_a_studio_flow_can_be_scheduled_for_a_call_still_ringing(supervisor):
    response = post(
        supervisor,
        make_call(status=CallStatus.RINGING),
        "redirect",
        {"url": STUDIO_FLOW, "after_seconds": 5},
    )

    assert response.status_code == 202
    assert Redirect.objects.get().state == RedirectState.SCHEDULED
