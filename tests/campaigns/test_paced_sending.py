"""Campaign creates pass the send window right before their request leaves. However
late or bunched their tokens come (here: all due at once, from many threads) and
however long Twilio takes to answer, no one-second window ever holds more creates
than the setting, counted where Twilio counts them: when the request arrives."""

import threading
import time
import uuid

import pytest

from calls import telephony
from calls.models import Call, CallStatus
from campaigns import pacing
from campaigns.services import sending
from tests.calls.conftest import place, public_base_url, twilio  # noqa: F401

LIMIT = 3
CREATES = 10

pytestmark = pytest.mark.django_db(transaction=True)


def busiest_second(stamps: list[float]) -> int:
    stamps = sorted(stamps)
    return max(
        sum(1 for later in stamps[index:] if later - stamp < 1.0)
        for index, stamp in enumerate(stamps)
    )


def test_creates_due_together_never_put_more_than_the_setting_in_one_second(twilio):  # noqa: F811
    twilio.delay = 0.05
    key = f"test-{uuid.uuid4()}"

    def create():
        pace = sending.Pace(key, LIMIT, time.monotonic())
        telephony.create_call(
            gate=pace.gate(), to="+14155550123", from_="+14155550100", url="https://app.example/"
        )

    threads = [threading.Thread(target=create) for _ in range(CREATES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps = [received.at for received in twilio.requests("create")]
    assert len(stamps) == CREATES
    assert busiest_second(stamps) == LIMIT


def test_a_campaign_call_leaves_at_its_token_and_is_recorded(twilio):  # noqa: F811
    call = place()
    pace = sending.Pace(f"test-{uuid.uuid4()}", 1, time.monotonic() + 0.5)

    sending.send_now(call.pk, pace)

    [create] = twilio.requests("create")
    assert create.at >= pace.start_at
    assert pace.taken.is_set()
    # It still counts in its campaign's window: the next create must wait.
    assert pacing.window().admit(pace.key, "next", 1, pacing.hold_seconds()) > 0
    sent = Call.objects.get(pk=call.pk)
    assert sent.status == CallStatus.QUEUED
    assert sent.sid
