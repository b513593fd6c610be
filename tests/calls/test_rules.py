"""Every rule checked before Twilio is called: a clear error, nothing saved, nothing sent."""

import datetime as dt

import pytest
from django.utils import timezone

from calls import services
from calls.exceptions import RuleViolation
from calls.models import Call, CallStatus, Redirect
from tests.calls.conftest import place
from tests.support.twilio_requests import status_params

pytestmark = pytest.mark.django_db

STUDIO_FLOW = "https://webhooks.twilio.com/v1/Accounts/AC" + "a" * 32 + "/Flows/FW" + "b" * 32


def refused(service, *args, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        service(*args, **kwargs)
    return caught.value


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"url": "", "twiml": ""}, "url", "Give a URL or TwiML"),
        ({"twiml": "<Response><Say>hi</Say></Response>"}, "twiml", "not both"),
        ({"url": "", "twiml": "<Response><Say>hi</Response>"}, "twiml", "not well-formed"),
        ({"url": "", "twiml": "<Say>hi</Say>"}, "twiml", "<Response> as its root"),
        (
            {"url": "", "twiml": "<Response><Say>" + "a" * 4000 + "</Say></Response>"},
            "twiml",
            "at most 4000",
        ),
        ({"url": "/relative/path"}, "url", "absolute"),
        ({"to": "call me maybe"}, "to", "not a phone number"),
        ({"from_": "12"}, "from", "wrong number of digits"),
        ({"send_digits": "12x#"}, "send_digits", "0-9, A-D, *, #, w"),
        ({"timeout": 0}, "timeout", "from 1 to 600"),
        ({"timeout": 601}, "timeout", "from 1 to 600"),
        ({"if_machine": "maybe"}, "if_machine", "none, continue or hangup"),
        ({"method": "PUT"}, "method", "GET or POST"),
    ],
)
def test_placing_a_call_breaking_a_rule_is_refused_and_saves_nothing(overrides, field, says):
    error = refused(place, **overrides)
    assert error.field == field
    assert says in error.message
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    "written",
    ["(415) 555-1212", "415-555-1212", "4155551212", "1 415 555 1212", "+1 415.555.1212"],
)
def test_numbers_in_any_format_are_stored_in_e164(written):
    call = place(to=written)
    assert call.to_number == "+14155551212"
    assert call.status == CallStatus.PENDING


def test_timeout_bounds_and_default_are_accepted():
    assert place(timeout=1).timeout == 1
    assert place(timeout=600).timeout == 600
    assert place(timeout=None).timeout == 60


def test_send_digits_accepts_the_whole_charset():
    assert place(send_digits="0123456789ABCD*#wW").send_digits == "0123456789ABCD*#wW"


def finished(call: Call, status: str = "completed") -> Call:
    services.record_status_event(status_params(call.sid, status, 9))
    return Call.objects.get(pk=call.pk)


@pytest.mark.parametrize(
    "service",
    [
        lambda call: services.request_redirect(call, url="https://app.example/next"),
        lambda call: services.hang_up(call),
    ],
)
def test_a_call_in_a_final_state_cannot_be_changed(live_call, service):
    ended = finished(live_call)
    error = refused(service, ended)
    assert error.code == "call_ended"
    assert not Redirect.objects.exists()


def test_canceled_only_for_a_call_not_answered_yet(live_call):
    error = refused(services.cancel_call, live_call)
    assert error.code == "not_cancelable"
    assert "Hang up an answered call instead" in error.message


def test_a_ringing_call_can_be_canceled(dialed_call):
    redirect = services.cancel_call(dialed_call)
    assert redirect.target_status == "canceled"


def test_studio_flow_only_while_ringing(dialed_call, live_call):
    error = refused(services.request_redirect, live_call, url=STUDIO_FLOW)
    assert error.code == "studio_flow"
    assert error.field == "url"


def test_studio_flow_accepted_for_a_ringing_call(dialed_call):
    services.record_status_event(status_params(dialed_call.sid, "ringing", 1))
    redirect = services.request_redirect(Call.objects.get(pk=dialed_call.pk), url=STUDIO_FLOW)
    assert redirect.url == STUDIO_FLOW


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({}, "url"),
        ({"url": "https://a.example/x", "twiml": "<Response/>"}, "twiml"),
        ({"twiml": "<Response><Play>"}, "twiml"),
        ({"url": "https://a.example/x", "at": timezone.now() - dt.timedelta(minutes=1)}, "at"),
    ],
)
def test_redirect_rules(live_call, arguments, field):
    assert refused(services.request_redirect, live_call, **arguments).field == field
    assert not Redirect.objects.exists()


def test_a_call_not_yet_at_twilio_cannot_be_redirected_now():
    error = refused(services.request_redirect, place(), url="https://app.example/next")
    assert error.code == "not_dialed"


def test_only_a_scheduled_redirect_can_be_canceled(live_call):
    later = services.request_redirect(
        live_call, url="https://app.example/survey", at=timezone.now() + dt.timedelta(hours=1)
    )
    assert services.cancel_redirect(later).state == "canceled"
    error = refused(services.cancel_redirect, later)
    assert error.code == "not_scheduled"
    now = services.hang_up(live_call)
    assert refused(services.cancel_redirect, now).code == "not_scheduled"
