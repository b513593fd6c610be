"""The message after a board action says how Twilio took it, when the worker answers
within the console's wait: done, or refused with Twilio's code."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import suppress

import pytest
from django.db import connection

from calls import services
from calls.exceptions import RetryLater
from calls.models import Redirect, RedirectState
from tests.calls.conftest import dialed_call, live_call, public_base_url, twilio  # noqa: F401
from tests.console.test_board import said
from tests.support.twilio_stub import error_json

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(settings) -> Iterator[None]:
    """Does a Celery worker's part: sends each queued redirect through the gateway."""
    settings.CONSOLE_ACTION_WAIT_SECONDS = 5
    stop = threading.Event()

    def work() -> None:
        try:
            while not stop.wait(0.05):
                for redirect in Redirect.objects.filter(state=RedirectState.QUEUED):
                    # Twilio's 21220 gets one short retry: the next turn is it.
                    with suppress(RetryLater):
                        services.send_redirect(redirect.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    yield
    stop.set()
    thread.join()


def test_a_hang_up_twilio_carries_out_is_reported_done(supervisor, live_call, worker):  # noqa: F811
    assert said(supervisor, live_call, "hang-up") == [
        "Hung up the call to +1 415-555-1212 at HH:MM."
    ]


def test_twilios_refusal_is_the_message_after_the_click(
    supervisor,
    twilio,  # noqa: F811
    live_call,  # noqa: F811
    worker,
):
    refused = error_json(400, 21220, "Call is not in-progress. Cannot redirect.")
    twilio.answer("update", refused, refused)

    assert said(supervisor, live_call, "redirect", url="https://flows.example.com/next") == [
        "Redirect the call to +1 415-555-1212: refused. "
        "Twilio 21220: Unable to update record: Call is not in-progress. Cannot redirect."
    ]
