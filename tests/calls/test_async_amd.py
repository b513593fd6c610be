"""Asynchronous AMD: the flow starts at once, the verdict arrives on its own signed callback."""

import pytest
from django.test import Client
from django.urls import reverse
from twilio.request_validator import RequestValidator

from calls import services
from calls.exceptions import RuleViolation
from calls.models import (
    Call,
    CallEvent,
    CallStatus,
    Outcome,
    Redirect,
    RedirectState,
    RedirectTrigger,
    Source,
)
from tests.calls.conftest import PUBLIC_BASE_URL, place
from tests.support.twilio_requests import post_as_twilio, status_params

pytestmark = pytest.mark.django_db


def dialed(**overrides) -> Call:
    return services.dispatch_call(place(async_amd=True, **overrides).pk)


def amd_path(call: Call) -> str:
    return reverse("calls-webhooks:amd", kwargs={"call_id": call.pk})


def verdict(call: Call, answered_by: str) -> dict[str, str]:
    """The AsyncAmdStatusCallback's parameters, as Twilio posts them."""
    return {
        "CallSid": call.sid,
        "AccountSid": call.account_sid,
        "AnsweredBy": answered_by,
        "MachineDetectionDuration": "2900",
    }


def post_verdict(call: Call, answered_by: str):
    return post_as_twilio(
        Client(enforce_csrf_checks=True), amd_path(call), verdict(call, answered_by)
    )


def test_twilio_is_asked_for_detection_in_the_background(twilio):
    call = dialed(if_machine="hangup")
    create = twilio.requests("create")[0]
    assert create.value("MachineDetection") == "Enable"
    assert create.value("AsyncAmd") == "true"
    assert create.value("AsyncAmdStatusCallback") == f"{PUBLIC_BASE_URL}/twilio/calls/{call.pk}/amd"
    assert create.value("AsyncAmdStatusCallbackMethod") == "POST"


def test_without_async_amd_twilio_is_not_asked_for_it(twilio):
    services.dispatch_call(place(if_machine="hangup").pk)
    assert "AsyncAmd" not in twilio.requests("create")[0].form


def test_async_amd_without_detection_is_refused_and_nothing_saved():
    with pytest.raises(RuleViolation) as refused:
        place(async_amd=True)
    assert refused.value.field == "async_amd"
    assert not Call.objects.exists()


def test_the_answer_hands_over_at_once_with_dial_status_answered(twilio, user_app):
    call = dialed(if_machine="hangup", url=user_app.route("flow", "<Response><Pause/></Response>"))
    path = reverse("calls-webhooks:answer", kwargs={"call_id": call.pk})
    params = status_params(call.sid, "in-progress", None)
    response = post_as_twilio(Client(), path, params)
    assert "<Pause />" in response.content.decode()
    [hit] = user_app.hits_for("flow")
    assert hit.params["DialStatus"] == "answered"
    call.refresh_from_db()
    assert (call.status, call.outcome) == (CallStatus.IN_PROGRESS, "")


def test_a_forged_verdict_is_forbidden_and_changes_nothing(twilio):
    call = dialed(if_machine="hangup")
    params = verdict(call, "machine_start")
    forged = RequestValidator("not-our-token").compute_signature(
        PUBLIC_BASE_URL + amd_path(call), params
    )
    response = Client().post(amd_path(call), params, headers={"X-Twilio-Signature": forged})
    assert response.status_code == 403
    assert not CallEvent.objects.exists()
    assert not Redirect.objects.exists()


@pytest.mark.parametrize("answered_by", ["machine_start", "fax"])
def test_a_machine_is_hung_up_once_however_often_the_verdict_comes(twilio, answered_by):
    call = dialed(if_machine="hangup")
    responses = [post_verdict(call, answered_by) for _ in range(3)]
    assert [response.status_code for response in responses] == [204, 204, 204]
    assert call.events.filter(kind="amd").count() == 1
    hang_up = Redirect.objects.get(call=call)
    assert (hang_up.target_status, hang_up.origin) == (CallStatus.COMPLETED, Source.SYSTEM)
    assert (hang_up.state, hang_up.trigger) == (RedirectState.QUEUED, RedirectTrigger.NOW)
    assert answered_by in hang_up.reason
    call.refresh_from_db()
    assert (call.outcome, call.answered_by) == (Outcome.HANGUP_MACHINE, answered_by)


@pytest.mark.parametrize("answered_by", ["human", "unknown"])
def test_a_human_is_left_to_the_flow(twilio, answered_by):
    call = dialed(if_machine="hangup")
    assert post_verdict(call, answered_by).status_code == 204
    assert not Redirect.objects.exists()
    assert Call.objects.get(pk=call.pk).outcome == Outcome.ANSWERED_HUMAN


def test_a_verdict_after_the_call_ended_hangs_up_nothing(twilio):
    call = dialed(if_machine="hangup")
    services.record_status_event(status_params(call.sid, "completed", 3))
    assert post_verdict(call, "machine_start").status_code == 204
    assert not Redirect.objects.exists()
    assert call.events.filter(kind="amd").count() == 1


@pytest.mark.parametrize(
    ("answered_by", "outcome"),
    [("human", Outcome.ANSWERED_HUMAN), ("machine_end_beep", Outcome.ANSWERED_MACHINE)],
)
def test_under_continue_the_verdict_is_recorded_and_the_call_goes_on(twilio, answered_by, outcome):
    call = dialed(if_machine="continue")
    assert twilio.requests("create")[0].value("MachineDetection") == "DetectMessageEnd"
    assert post_verdict(call, answered_by).status_code == 204
    call.refresh_from_db()
    assert (call.outcome, call.answered_by) == (outcome, answered_by)
    assert not Redirect.objects.exists()
