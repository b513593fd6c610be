"""The gateway and the tasks' services against a local server answering as Twilio does.

Twilio's errors keep their code; 20429/5xx are retried, 21220 gets one short
retry; a create whose answer was lost is found by listing, never sent twice.
"""

import datetime as dt

import pytest
from django.utils import timezone

from callcenter.celery import app as celery_app
from calls import services, telephony
from calls.exceptions import RetryLater, TwilioError, TwilioUnreachable
from calls.models import Call, CallStatus, RedirectState
from calls.services.placing import next_dispatch_wait
from calls.tasks import dispatch_call as dispatch_call_task
from console.selectors.board import live_row
from tests.calls.conftest import place
from tests.support.network import unused_port
from tests.support.twilio_stub import DROP, TwilioStub, call_json, error_json, serve

pytestmark = pytest.mark.django_db


def test_a_twilio_error_keeps_its_code(twilio):
    twilio.answer("create", error_json(400, 21211, "The 'To' number is not a valid phone number."))
    with pytest.raises(TwilioError) as caught:
        telephony.create_call(to="+14155551212", from_="+14155550100", url="https://a.example/")
    assert (caught.value.code, caught.value.status) == (21211, 400)
    assert "not a valid phone number" in caught.value.message
    assert not caught.value.retryable


def test_a_refused_create_fails_the_call_with_twilios_code(twilio):
    twilio.answer("create", error_json(400, 21216, "Call blocked"))
    call = place()
    services.dispatch_call(call.pk)
    call.refresh_from_db()
    assert (call.status, call.error_code) == (CallStatus.FAILED, "21216")
    assert "Call blocked" in call.error_message


@pytest.mark.parametrize("refusal", [error_json(429, 20429, "Too Many Requests"), (503, {})])
def test_a_create_refused_for_a_moment_is_retried_with_backoff(twilio, refusal):
    twilio.answer("create", refusal, refusal, None)
    call = place()
    with pytest.raises(RetryLater) as first:
        services.dispatch_call(call.pk)
    call.refresh_from_db()
    assert call.status == CallStatus.PENDING
    with pytest.raises(RetryLater) as second:
        services.dispatch_call(call.pk)
    assert second.value.countdown > first.value.countdown
    assert services.dispatch_call(call.pk).status == CallStatus.QUEUED
    assert len(twilio.requests("create")) == 3


def test_a_create_that_never_connected_is_retried(settings, twilio):
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"
    call = place()
    with pytest.raises(RetryLater):
        services.dispatch_call(call.pk)
    assert Call.objects.get(pk=call.pk).status == CallStatus.PENDING


def test_a_call_placed_during_an_outage_is_sent_once_twilio_is_back(settings):
    port = unused_port()
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{port}"
    call = place()

    with pytest.raises(RetryLater) as during:
        services.dispatch_call(call.pk)
    call.refresh_from_db()
    assert during.value.countdown == 2
    assert (call.status, call.error_code) == (CallStatus.PENDING, "twilio-unreachable")
    assert "Could not connect" in call.error_message

    twilio = TwilioStub(account_sid=settings.TWILIO_ACCOUNT_SID)
    server, _ = serve(twilio, port=port)
    try:
        after = dispatch_call_task.apply(args=(call.pk,))  # the retry, once its countdown ran
    finally:
        server.shutdown()
        server.server_close()
    call.refresh_from_db()
    assert after.state == "SUCCESS"
    assert (call.status, call.error_code, call.error_message) == (CallStatus.QUEUED, "", "")
    assert len(twilio.requests("create")) == 1


def test_an_outage_longer_than_the_budget_fails_the_call_as_twilio_unreachable(settings):
    """Celery runs the task's retries in place here (apply), each after the one before."""
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{unused_port()}"
    settings.DISPATCH_RETRY_SECONDS = 10
    call = place()
    dispatch_call_task.apply(args=(call.pk,))
    call.refresh_from_db()
    assert (call.status, call.error_code) == (CallStatus.FAILED, "twilio-unreachable")
    assert "Could not connect" in call.error_message
    assert call.dispatch_attempts == 4  # after waits of 2, 4 and 8 seconds


def test_the_default_budget_outlasts_an_outage_of_a_few_minutes(settings):
    settings.DISPATCH_RETRY_SECONDS = 300
    waits = []
    while (wait := next_dispatch_wait(len(waits) + 1)) is not None:
        waits.append(wait)
    assert sum(waits) >= 300
    assert max(waits) == 30


def test_dispatching_twice_in_a_row_dials_once(twilio):
    call = place()
    first = services.dispatch_call(call.pk)
    assert services.dispatch_call(call.pk) is None
    assert len(twilio.requests("create")) == 1
    assert Call.objects.get(pk=call.pk).sid == first.sid


def test_a_lost_create_answer_is_reconciled_by_listing_never_sent_again(twilio):
    twilio.answer("create", DROP)
    call = place()
    services.dispatch_call(call.pk)
    call.refresh_from_db()
    assert call.status == CallStatus.UNKNOWN
    assert services.dispatch_call(call.pk) is None

    made_by_twilio = call_json(
        twilio.account_sid, to=call.to_number, status="ringing", **{"from": call.from_number}
    )
    someone_else = call_json(twilio.account_sid, to=call.to_number, **{"from": "+14155550199"})
    twilio.listed = [someone_else, made_by_twilio]
    services.reconcile_call(call.pk)
    call.refresh_from_db()
    assert (call.sid, call.status) == (made_by_twilio["sid"], CallStatus.RINGING)
    assert (call.error_code, call.error_message) == ("", "")
    listing = twilio.requests("list")[0]
    assert (listing.query["To"], listing.query["From"]) == ([call.to_number], [call.from_number])
    assert len(twilio.requests("create")) == 1


def test_a_lost_create_twilio_never_made_is_failed_not_redialed(twilio, settings):
    twilio.answer("create", DROP)
    call = place()
    services.dispatch_call(call.pk)
    with pytest.raises(RetryLater):
        services.reconcile_call(call.pk)
    settings.RECONCILE_AFTER_SECONDS = 0
    services.reconcile_call(call.pk)
    call.refresh_from_db()
    assert call.status == CallStatus.FAILED
    assert "nobody was dialed" in call.error_message
    assert len(twilio.requests("create")) == 1


def test_a_call_stuck_live_is_fetched_and_repaired(twilio, live_call):
    twilio.answer(
        "fetch",
        (200, call_json(twilio.account_sid, sid=live_call.sid, status="completed", duration="31")),
    )
    services.reconcile_call(live_call.pk)
    live_call.refresh_from_db()
    assert (live_call.status, live_call.duration) == (CallStatus.COMPLETED, 31)
    assert live_call.events.filter(fingerprint__endswith="reconciled:completed").exists()


def test_a_call_twilio_does_not_know_is_failed_with_20404_and_never_fetched_again(
    twilio, live_call, settings
):
    twilio.answer("fetch", error_json(404, 20404, "The requested resource was not found"))
    services.reconcile_call(live_call.pk)
    live_call.refresh_from_db()
    assert (live_call.status, live_call.error_code) == (CallStatus.FAILED, "20404")
    assert "not found" in live_call.error_message
    assert live_row(live_call) is None
    assert live_call.events.filter(call_status=CallStatus.FAILED).exists()

    settings.RECONCILE_AFTER_SECONDS = 0
    assert services.reconcile_stale_calls(now=timezone.now() + dt.timedelta(hours=1)) == []
    assert services.reconcile_call(live_call.pk) is None
    assert len(twilio.requests("fetch")) == 1


def test_stale_calls_are_picked_for_reconciling(twilio, live_call, settings):
    settings.RECONCILE_AFTER_SECONDS = 60
    assert services.reconcile_stale_calls() == []
    later = timezone.now() + dt.timedelta(seconds=61)
    assert services.reconcile_stale_calls(now=later) == [live_call.pk]


def sent_redirect(call: Call, **arguments):
    redirect = services.request_redirect(call, url="https://app.example/next", **arguments)
    return services.send_redirect(redirect.pk) or redirect


def test_a_redirect_sends_the_new_url_once(twilio, live_call):
    redirect = services.request_redirect(live_call, url="https://app.example/next", method="GET")
    assert services.send_redirect(redirect.pk).state == RedirectState.DONE
    assert services.send_redirect(redirect.pk) is None
    [update] = twilio.requests("update")
    assert update.path.endswith(f"/Calls/{live_call.sid}.json")
    assert (update.value("Url"), update.value("Method")) == ("https://app.example/next", "GET")
    assert "Twiml" not in update.form


def test_hang_up_sends_status_completed(twilio, live_call):
    redirect = services.hang_up(live_call)
    services.send_redirect(redirect.pk)
    assert twilio.requests("update")[0].form == {"Status": ["completed"]}
    assert Call.objects.get(pk=live_call.pk).status == CallStatus.COMPLETED


def test_21220_on_a_live_call_gets_one_short_retry_then_fails_with_the_code(twilio, live_call):
    twilio.answer("update", error_json(400, 21220, "Call is not in-progress. Cannot redirect."))
    redirect = services.request_redirect(live_call, url="https://app.example/next")
    with pytest.raises(RetryLater) as caught:
        services.send_redirect(redirect.pk)
    assert caught.value.countdown <= 1
    failed = services.send_redirect(redirect.pk)
    assert (failed.state, failed.error_code) == (RedirectState.FAILED, 21220)
    assert len(twilio.requests("update")) == 2


def test_21220_then_success_on_the_retry(twilio, live_call):
    twilio.answer("update", error_json(400, 21220, "Call is not in-progress."), None)
    redirect = services.request_redirect(live_call, url="https://app.example/next")
    with pytest.raises(RetryLater):
        services.send_redirect(redirect.pk)
    assert services.send_redirect(redirect.pk).state == RedirectState.DONE


def test_a_redirect_refused_for_a_moment_is_retried_then_given_up(twilio, live_call):
    twilio.answer("update", error_json(429, 20429, "Too Many Requests"))
    redirect = services.request_redirect(live_call, url="https://app.example/next")
    countdowns = []
    for _ in range(services.send_attempts.SEND_MAX_ATTEMPTS - 1):
        with pytest.raises(RetryLater) as caught:
            services.send_redirect(redirect.pk)
        countdowns.append(caught.value.countdown)
    assert countdowns == sorted(countdowns) and countdowns[0] < countdowns[-1]
    given_up = services.send_redirect(redirect.pk)
    assert (given_up.state, given_up.error_code) == (RedirectState.FAILED, 20429)


def test_an_update_whose_answer_was_lost_is_sent_again(twilio, live_call):
    twilio.answer("update", DROP, None)
    redirect = services.hang_up(live_call)
    with pytest.raises(RetryLater):
        services.send_redirect(redirect.pk)
    assert services.send_redirect(redirect.pk).state == RedirectState.DONE


def test_a_scheduled_redirect_is_claimed_only_when_due(twilio, live_call):
    at = timezone.now() + dt.timedelta(minutes=5)
    redirect = services.request_redirect(live_call, url="https://app.example/survey", at=at)
    assert services.fire_due_redirects() == []
    assert services.fire_due_redirects(now=at) == [redirect.pk]
    assert services.fire_due_redirects(now=at) == []
    assert services.send_redirect(redirect.pk).state == RedirectState.DONE


def test_a_scheduled_redirect_of_a_call_that_ended_is_skipped(twilio, live_call):
    at = timezone.now() + dt.timedelta(minutes=5)
    redirect = services.request_redirect(live_call, url="https://app.example/survey", at=at)
    services.record_status_event(
        {"CallSid": live_call.sid, "CallStatus": "completed", "SequenceNumber": "3"}
    )
    redirect.refresh_from_db()
    assert redirect.state == RedirectState.SKIPPED
    assert services.fire_due_redirects(now=at) == []


def test_a_redirect_waiting_for_the_leg_is_sent_when_the_leg_ends(
    twilio, live_call, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    leg = {"ParentCallSid": live_call.sid, "Direction": "outbound-dial"}
    leg_sid = "CA" + "5" * 32
    services.record_status_event({"CallSid": leg_sid, "CallStatus": "in-progress", **leg})
    redirect = services.request_redirect(
        live_call, url="https://app.example/survey", on_leg_end=True
    )
    assert redirect.state == RedirectState.SCHEDULED

    with django_capture_on_commit_callbacks(execute=True):
        services.record_status_event({"CallSid": leg_sid, "CallStatus": "completed", **leg})

    redirect.refresh_from_db()
    assert redirect.state == RedirectState.DONE
    [update] = twilio.requests("update")
    assert update.path.endswith(f"/Calls/{live_call.sid}.json")
    assert update.value("Url") == "https://app.example/survey"


def test_unreachable_twilio_is_reported_as_such(settings, twilio):
    twilio.answer("fetch", DROP)
    with pytest.raises(TwilioUnreachable):
        telephony.fetch_call("CA" + "6" * 32)
