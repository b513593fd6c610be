"""The /twilio/ webhooks: signed against PUBLIC_BASE_URL, CSRF-exempt, IfMachine applied."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from twilio.request_validator import RequestValidator

from calls import services
from calls.models import Call, CallEvent, CallStatus, Outcome
from tests.calls.conftest import PUBLIC_BASE_URL, place
from tests.support.twilio_requests import post_as_twilio, signature_for, status_params

pytestmark = pytest.mark.django_db

STATUS_PATH = "/twilio/status"


@pytest.fixture
def twilio_client() -> Client:
    """A client that would fail any CSRF-protected view: Twilio sends no token."""
    return Client(enforce_csrf_checks=True)


def test_a_signed_status_callback_is_recorded(twilio_client, dialed_call):
    params = status_params(dialed_call.sid, "ringing", 1)
    response = post_as_twilio(twilio_client, STATUS_PATH, params)
    assert response.status_code == 204
    assert Call.objects.get(pk=dialed_call.pk).status == CallStatus.RINGING


def test_a_missing_signature_is_forbidden_and_nothing_recorded(twilio_client, dialed_call):
    response = twilio_client.post(STATUS_PATH, status_params(dialed_call.sid, "ringing", 1))
    assert response.status_code == 403
    assert not CallEvent.objects.exists()


def test_a_forged_signature_is_forbidden(twilio_client, dialed_call):
    params = status_params(dialed_call.sid, "ringing", 1)
    forged = RequestValidator("not-our-token").compute_signature(
        PUBLIC_BASE_URL + STATUS_PATH, params
    )
    response = twilio_client.post(STATUS_PATH, params, headers={"X-Twilio-Signature": forged})
    assert response.status_code == 403


def test_a_signature_over_the_url_with_its_default_port_is_accepted(twilio_client, dialed_call):
    params = status_params(dialed_call.sid, "ringing", 1)
    with_port = PUBLIC_BASE_URL.replace(".com", ".com:443") + STATUS_PATH
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(with_port, params)
    response = twilio_client.post(STATUS_PATH, params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 204
    assert CallEvent.objects.filter(call_status="ringing").exists()


@pytest.mark.parametrize("signature", ["", "not base64 at all", "ñ" * 28])
def test_a_malformed_signature_is_forbidden(twilio_client, dialed_call, signature):
    params = status_params(dialed_call.sid, "ringing", 1)
    response = twilio_client.post(STATUS_PATH, params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert not CallEvent.objects.exists()


def test_a_signature_over_other_parameters_is_forbidden(twilio_client, dialed_call):
    params = status_params(dialed_call.sid, "ringing", 1)
    signature = signature_for(STATUS_PATH, params)
    tampered = {**params, "CallStatus": "completed"}
    response = twilio_client.post(STATUS_PATH, tampered, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert Call.objects.get(pk=dialed_call.pk).status == CallStatus.QUEUED


def test_behind_a_proxy_the_public_url_is_what_counts(twilio_client, dialed_call, settings):
    """Twilio signed https://callcenter.example.com/…; we are reached as http://10.0.0.7:8000."""
    settings.ALLOWED_HOSTS = ["10.0.0.7"]
    params = status_params(dialed_call.sid, "ringing", 1)
    response = twilio_client.post(
        STATUS_PATH,
        params,
        headers={"X-Twilio-Signature": signature_for(STATUS_PATH, params)},
        HTTP_HOST="10.0.0.7:8000",
    )
    assert response.status_code == 204
    inner = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
        "http://10.0.0.7:8000" + STATUS_PATH, params
    )
    refused = twilio_client.post(
        STATUS_PATH, params, headers={"X-Twilio-Signature": inner}, HTTP_HOST="10.0.0.7:8000"
    )
    assert refused.status_code == 403


def test_behind_a_proxy_an_inner_host_not_allowed_is_refused(twilio_client, dialed_call, settings):
    """The README: a proxy must pass the public Host, or the inner host must be allowed."""
    settings.ALLOWED_HOSTS = ["callcenter.example.com"]
    params = status_params(dialed_call.sid, "ringing", 1)
    signature = {"X-Twilio-Signature": signature_for(STATUS_PATH, params)}

    inner = twilio_client.post(STATUS_PATH, params, headers=signature, HTTP_HOST="internal:8000")
    public = twilio_client.post(
        STATUS_PATH, params, headers=signature, HTTP_HOST="callcenter.example.com"
    )

    assert inner.status_code == 400
    assert public.status_code == 204


def test_the_query_string_is_part_of_what_is_signed(twilio_client, twilio):
    call = place()
    path = f"{STATUS_PATH}?call={call.pk}"
    params = status_params("CA" + "4" * 32, "initiated", 0)
    assert post_as_twilio(twilio_client, path, params).status_code == 204
    unsigned_query = twilio_client.post(
        path, params, headers={"X-Twilio-Signature": signature_for(STATUS_PATH, params)}
    )
    assert unsigned_query.status_code == 403
    assert Call.objects.get(pk=call.pk).sid == "CA" + "4" * 32


def answer(client: Client, call: Call, **extra) -> str:
    path = reverse("calls-webhooks:answer", kwargs={"call_id": call.pk})
    params = status_params(call.sid, "in-progress", None, **extra)
    params.pop("CallbackSource")
    response = post_as_twilio(client, path, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    return response.content.decode()


def dialed(twilio, **overrides) -> Call:
    return services.dispatch_call(place(**overrides).pk)


FLOW = "<Response><Say>Your order has shipped.</Say></Response>"


def test_if_machine_none_hands_over_with_dial_status_answered(twilio_client, twilio, user_app):
    call = dialed(twilio, url=user_app.route("flow", FLOW) + "?lang=en")
    assert answer(twilio_client, call) == FLOW
    [hit] = user_app.hits_for("flow")
    assert (hit.method, hit.params["DialStatus"], hit.query) == ("POST", "answered", {"lang": "en"})
    assert hit.params["CallSid"] == call.sid
    assert hit.signature_ok
    call.refresh_from_db()
    assert (call.status, call.outcome) == (CallStatus.IN_PROGRESS, Outcome.ANSWERED)


def test_if_machine_none_asks_twilio_for_no_detection(twilio):
    dialed(twilio)
    assert "MachineDetection" not in twilio.requests("create")[0].form


@pytest.mark.parametrize(
    ("answered_by", "dial_status"),
    [
        ("human", "answered-human"),
        ("unknown", "answered-human"),
        ("machine_end_beep", "answered-machine"),
        ("machine_end_silence", "answered-machine"),
    ],
)
def test_if_machine_continue_detects_message_end(
    twilio_client, twilio, user_app, answered_by, dial_status
):
    call = dialed(twilio, if_machine="continue", method="GET", url=user_app.route("flow", FLOW))
    assert twilio.requests("create")[0].value("MachineDetection") == "DetectMessageEnd"
    assert answer(twilio_client, call, AnsweredBy=answered_by) == FLOW
    [hit] = user_app.hits_for("flow")
    assert (hit.method, hit.params, hit.query["DialStatus"]) == ("GET", {}, dial_status)
    assert hit.signature_ok
    call.refresh_from_db()
    assert (call.outcome, call.answered_by) == (dial_status, answered_by)


@pytest.mark.parametrize("answered_by", ["machine_start", "fax"])
def test_if_machine_hangup_hangs_up_on_a_machine_at_once(
    twilio_client, twilio, user_app, answered_by
):
    call = dialed(twilio, if_machine="hangup", url=user_app.route("flow", FLOW))
    assert twilio.requests("create")[0].value("MachineDetection") == "Enable"
    document = answer(twilio_client, call, AnsweredBy=answered_by)
    assert "<Hangup />" in document
    assert user_app.hits_for("flow") == []
    call.refresh_from_db()
    assert call.outcome == Outcome.HANGUP_MACHINE


def test_if_machine_hangup_lets_a_human_through(twilio_client, twilio, user_app):
    call = dialed(twilio, if_machine="hangup", url=user_app.route("flow", FLOW))
    assert answer(twilio_client, call, AnsweredBy="human") == FLOW
    assert user_app.hits_for("flow")[0].params["DialStatus"] == "answered-human"


def test_with_detection_send_digits_wait_for_the_verdict(twilio_client, twilio, user_app):
    call = dialed(
        twilio, if_machine="hangup", send_digits="1234#", url=user_app.route("flow", FLOW)
    )
    assert "SendDigits" not in twilio.requests("create")[0].form
    document = answer(twilio_client, call, AnsweredBy="human")
    assert document.startswith('<Response><Play digits="1234#" /><Say>')


def test_without_detection_twilio_sends_the_digits(twilio):
    dialed(twilio, send_digits="1234#")
    assert twilio.requests("create")[0].value("SendDigits") == "1234#"


def test_inline_twiml_is_answered_as_given(twilio_client, twilio):
    call = dialed(twilio, url="", twiml=FLOW)
    assert answer(twilio_client, call) == FLOW


def test_a_repeated_answer_request_keeps_the_first_outcome(twilio_client, twilio, user_app):
    call = dialed(twilio, if_machine="continue", url=user_app.route("flow", FLOW))
    answer(twilio_client, call, AnsweredBy="human")
    answer(twilio_client, call, AnsweredBy="machine_end_beep")
    dial_statuses = [hit.params["DialStatus"] for hit in user_app.hits_for("flow")]
    assert dial_statuses == ["answered-human", "answered-human"]
    assert call.events.filter(kind="answer").count() == 1


def test_relative_urls_in_the_users_document_stay_theirs(twilio_client, twilio, user_app):
    flow = user_app.route(
        "app/flow",
        '<Response><Gather action="digits"><Play>hello.wav</Play></Gather>'
        "<Redirect>/again</Redirect></Response>",
    )
    document = answer(twilio_client, dialed(twilio, url=flow))
    assert f'action="{user_app.url("app/digits")}"' in document
    assert f"<Play>{user_app.url('app/hello.wav')}</Play>" in document
    assert f"<Redirect>{user_app.url('again')}</Redirect>" in document


@pytest.mark.parametrize(
    ("answer_of_url", "code"),
    [((500, "Oops"), 11200), ((200, "no TwiML here"), 12100), ((200, "<Html/>"), 12100)],
)
def test_a_users_url_that_fails_is_recorded_and_the_caller_hears_an_apology(
    twilio_client, twilio, user_app, answer_of_url, code
):
    call = dialed(twilio, url=user_app.route("flow", answer_of_url))
    document = answer(twilio_client, call)
    assert "<Say>We are sorry" in document and "<Hangup />" in document
    call.refresh_from_db()
    assert (call.error_code, call.error_url) == (str(code), user_app.url("flow"))


def fall_back(client: Client, call: Call, **extra) -> str:
    path = reverse("calls-webhooks:fallback", kwargs={"call_id": call.pk})
    params = {**status_params(call.sid, "in-progress", None), **extra}
    return post_as_twilio(client, path, params).content.decode()


def test_the_fallback_hands_the_call_to_the_users_fallback_once(twilio_client, twilio, user_app):
    backup = user_app.route("backup", FLOW)
    call = dialed(twilio, fallback_url=backup, fallback_method="GET")
    failed = "https://app.example/next"
    assert fall_back(twilio_client, call, ErrorCode="11200", ErrorUrl=failed) == FLOW
    [hit] = user_app.hits_for("backup")
    assert (hit.query["ErrorCode"], hit.query["ErrorUrl"]) == ("11200", failed)
    assert call.events.get().params["ErrorCode"] == "11200"
    call.refresh_from_db()
    assert (call.error_code, call.error_url) == ("11200", failed)

    again = fall_back(twilio_client, call, ErrorCode="12100", ErrorUrl=failed)
    assert "<Say>We are sorry" in again and "<Hangup />" in again
    assert len(user_app.hits_for("backup")) == 1


def test_the_fallback_never_sends_the_call_back_to_the_url_that_failed(
    twilio_client, twilio, user_app
):
    backup = user_app.route("backup", FLOW)
    call = dialed(twilio, fallback_url=backup)
    document = fall_back(twilio_client, call, ErrorCode="11200", ErrorUrl=backup)
    assert "<Say>We are sorry" in document and "<Hangup />" in document
    assert user_app.hits_for("backup") == []


def test_every_url_handed_to_twilio_is_public_and_absolute(twilio):
    call = dialed(twilio)
    create = twilio.requests("create")[0]
    assert create.value("Url") == f"{PUBLIC_BASE_URL}/twilio/calls/{call.pk}/answer"
    assert create.value("FallbackUrl") == f"{PUBLIC_BASE_URL}/twilio/calls/{call.pk}/fallback"
    assert create.value("StatusCallback") == f"{PUBLIC_BASE_URL}/twilio/status?call={call.pk}"
    assert create.form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
