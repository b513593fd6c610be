"""Fixtures for the calls core: a scripted Twilio stand-in and calls made through services."""

from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings

from calls import services
from calls.models import Call
from tests.support.twilio_requests import status_params
from tests.support.twilio_stub import TwilioStub, serve

PUBLIC_BASE_URL = "https://callcenter.example.com"


@pytest.fixture(autouse=True)
def public_base_url(settings):
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return PUBLIC_BASE_URL


@pytest.fixture
def twilio(settings) -> Iterator[TwilioStub]:
    """The gateway pointed at a throwaway local server answering as Twilio does."""
    stub = TwilioStub(account_sid=django_settings.TWILIO_ACCOUNT_SID)
    server, url = serve(stub)
    settings.TWILIO_API_BASE_URL = url
    settings.TWILIO_HTTP_TIMEOUT = 2.0
    yield stub
    server.shutdown()
    server.server_close()


def place(**overrides) -> Call:
    arguments = {"to": "+14155551212", "from_": "+14155550100", "url": "https://app.example/flow"}
    return services.place_call(**{**arguments, **overrides})


@pytest.fixture
def dialed_call(twilio) -> Call:
    """An outbound call Twilio has accepted (it has a SID and is queued)."""
    call = place()
    return services.dispatch_call(call.pk)


@pytest.fixture
def live_call(dialed_call) -> Call:
    """An outbound call in progress, as its `answered` status callback said."""
    services.record_status_event(status_params(dialed_call.sid, "in-progress", 2))
    return Call.objects.get(pk=dialed_call.pk)
