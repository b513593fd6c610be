"""POST /api/v1/calls/: a call is saved `pending` and dialed after the answer;
an Idempotency-Key makes a retry safe; bad input is a 400 naming the field."""

import pytest

from calls.models import Call, CallStatus, Source

CALLS = "/api/v1/calls/"
VALID = {"to": "+14155550123", "from": "+14155550100", "url": "https://flows.example.com/a"}


def test_placing_answers_202_with_the_pending_call(integration):
    response = integration.post(
        CALLS,
        {**VALID, "if_machine": "continue", "send_digits": "1w2#", "timeout": 30},
        format="json",
    )

    assert response.status_code == 202
    body = response.json()
    call = Call.objects.get()
    assert body["id"] == call.pk
    assert body["status"] == "pending" == call.status
    assert body["sid"] is None
    assert (body["to"], body["from"]) == ("+14155550123", "+14155550100")
    assert (call.if_machine, call.send_digits, call.timeout) == ("continue", "1w2#", 30)
    assert (call.source, call.created_by) == (Source.API, integration.user)


def test_machine_detection_can_run_in_the_background(integration):
    response = integration.post(
        CALLS, {**VALID, "if_machine": "hangup", "async_amd": True}, format="json"
    )

    assert response.status_code == 202
    assert response.json()["async_amd"] is True
    assert Call.objects.get().async_amd is True


def test_numbers_in_any_format_are_stored_as_e164(integration):
    body = {**VALID, "to": "(415) 555-1212", "from": "415.555.0100"}

    response = integration.post(CALLS, body, format="json")

    assert response.status_code == 202
    assert (response.json()["to"], response.json()["from"]) == ("+14155551212", "+14155550100")


def test_inline_twiml_instead_of_a_url(integration):
    twiml = "<Response><Say>Your order has shipped.</Say></Response>"
    body = {"to": VALID["to"], "from": VALID["from"], "twiml": twiml}

    response = integration.post(CALLS, body, format="json")

    assert response.status_code == 202
    assert Call.objects.get().twiml == twiml


def test_the_dial_is_queued_only_once_the_call_is_saved(
    integration, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        integration.post(CALLS, VALID, format="json")

    assert len(callbacks) == 1
    assert Call.objects.get().status == CallStatus.PENDING


class TestIdempotencyKey:
    def test_a_retry_returns_the_same_call_and_dials_once(
        self, integration, django_capture_on_commit_callbacks
    ):
        headers = {"Idempotency-Key": "order-1234-reminder"}
        with django_capture_on_commit_callbacks() as callbacks:
            first = integration.post(CALLS, VALID, format="json", headers=headers)
            retry = integration.post(CALLS, VALID, format="json", headers=headers)

        assert first.status_code == retry.status_code == 202
        assert retry.json() == first.json()
        assert retry["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first
        assert Call.objects.count() == 1
        assert len(callbacks) == 1

    def test_another_key_places_another_call(self, integration):
        for key in ("reminder-1", "reminder-2"):
            integration.post(CALLS, VALID, format="json", headers={"Idempotency-Key": key})

        assert Call.objects.count() == 2

    def test_keys_belong_to_their_user(self, api_as):
        headers = {"Idempotency-Key": "nightly-1"}
        for client in (api_as("Integrations"), api_as("Integrations")):
            assert client.post(CALLS, VALID, format="json", headers=headers).status_code == 202

        assert Call.objects.count() == 2

    @pytest.mark.parametrize(
        "change, status",
        [
            ({"to": "(415) 555-0123"}, 202),  # the same number, written another way
            ({"to": "+14155550999"}, 422),
            ({"timeout": 30}, 422),
        ],
    )
    def test_a_retry_must_ask_for_the_same_call(self, integration, change, status):
        headers = {"Idempotency-Key": "order-1234-reminder"}
        first = integration.post(CALLS, VALID, format="json", headers=headers)

        retry = integration.post(CALLS, {**VALID, **change}, format="json", headers=headers)

        assert retry.status_code == status
        if status == 422:
            assert "Idempotency-Key" in retry.json()["detail"]
        else:
            assert retry.json()["id"] == first.json()["id"]
        assert Call.objects.count() == 1

    def test_an_overlong_key_is_refused(self, integration):
        headers = {"Idempotency-Key": "k" * 256}

        response = integration.post(CALLS, VALID, format="json", headers=headers)

        assert response.status_code == 400
        assert "Idempotency-Key" in response.json()
        assert not Call.objects.exists()


TWIML = "<Response><Say>hi</Say></Response>"
BAD_INPUTS = {
    "no number to call": ({"to": ""}, "to"),
    "to missing": ({"to": None}, "to"),
    "not a number": ({"to": "call me maybe"}, "to"),
    "too few digits": ({"to": "+1415"}, "to"),
    "bad caller id": ({"from": "nobody"}, "from"),
    "relative url": ({"url": "/voice"}, "url"),
    "ftp url": ({"url": "ftp://flows.example.com/a"}, "url"),
    "url and twiml": ({"twiml": TWIML}, "twiml"),
    "neither url nor twiml": ({"url": ""}, "url"),
    "twiml not xml": ({"url": "", "twiml": "<Response><Say>hi</Response>"}, "twiml"),
    "twiml root": ({"url": "", "twiml": "<Say>hi</Say>"}, "twiml"),
    "twiml too long": (
        {"url": "", "twiml": f"<Response><Say>{'a' * 4000}</Say></Response>"},
        "twiml",
    ),
    "method": ({"method": "PUT"}, "method"),
    "fallback url": ({"fallback_url": "not a url"}, "fallback_url"),
    "fallback method": ({"fallback_method": "DELETE"}, "fallback_method"),
    "if machine": ({"if_machine": "sometimes"}, "if_machine"),
    "async amd without detection": ({"async_amd": True}, "async_amd"),
    "send digits": ({"send_digits": "12x"}, "send_digits"),
    "timeout zero": ({"timeout": 0}, "timeout"),
    "timeout too long": ({"timeout": 601}, "timeout"),
    "timeout not a number": ({"timeout": "soon"}, "timeout"),
    "time limit": ({"time_limit": 0}, "time_limit"),
    "unknown parameter": ({"status_callback": "https://example.com/s"}, "status_callback"),
}


@pytest.mark.parametrize("change, field", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_saved(integration, change, field):
    body = {key: value for key, value in {**VALID, **change}.items() if value is not None}

    response = integration.post(CALLS, body, format="json")

    assert response.status_code == 400, response.content
    messages = response.json()[field]
    assert messages and all(isinstance(message, str) and message for message in messages)
    assert not Call.objects.exists()


def test_a_body_that_is_not_json_is_a_400(integration):
    response = integration.post(CALLS, "{to:", content_type="application/json")

    assert response.status_code == 400
    assert not Call.objects.exists()


@pytest.mark.parametrize("timeout", [0, 601, -1, 40_000, "soon"])
def test_a_timeout_outside_1_to_600_is_refused_in_the_rules_words(integration, timeout):
    response = integration.post(CALLS, {**VALID, "timeout": timeout}, format="json")

    assert response.status_code == 400
    assert response.json()["timeout"] == [
        "Timeout is the seconds to let the phone ring: a whole number from 1 to 600."
    ]
    assert not Call.objects.exists()
