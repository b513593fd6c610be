"""Campaign creates pass the send window right before their request leaves. However
late or bunched their tokens come (here: all due at once, from many threads) and
however long Twilio takes before and after it records a create, no one-second
window ever holds more creates than the setting."""

import random
import threading
import time
import uuid

import pytest
import requests
from requests.adapters import BaseAdapter

from campaigns.services import sending

CREATE_URL = "http://twilio.test/2010-04-01/Accounts/AC123/Calls.json"
LIMIT = 3
CREATES = 10

pytestmark = pytest.mark.django_db(transaction=True)


class FakeTwilio(BaseAdapter):
    """Records each create at a random moment between its request and its answer."""

    def __init__(self):
        super().__init__()
        self.stamps: list[float] = []
        self.lock = threading.Lock()

    def send(self, request, *args, **kwargs):
        time.sleep(random.uniform(0, 0.08))
        with self.lock:
            self.stamps.append(time.monotonic())
        time.sleep(random.uniform(0, 0.08))
        response = requests.Response()
        response.status_code = 201
        response.request = request
        return response

    def close(self):
        pass


def busiest_second(stamps: list[float]) -> int:
    stamps = sorted(stamps)
    return max(
        sum(1 for later in stamps[index:] if later - stamp < 1.0)
        for index, stamp in enumerate(stamps)
    )


def paced_session(twilio: FakeTwilio) -> requests.Session:
    session = requests.Session()
    session.mount("http://", sending.PacedTransport(twilio))
    return session


def test_creates_due_together_never_put_more_than_the_setting_in_one_second():
    twilio = FakeTwilio()
    session = paced_session(twilio)
    key = f"test-{uuid.uuid4()}"

    def create():
        sending._sending.pace = sending.Pace(key, LIMIT, time.monotonic())
        try:
            session.post(CREATE_URL, data={"To": "+14155550123"})
        finally:
            sending._sending.pace = None

    threads = [threading.Thread(target=create) for _ in range(CREATES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(twilio.stamps) == CREATES
    assert busiest_second(twilio.stamps) == LIMIT


def test_a_create_waits_for_its_token_and_other_requests_are_not_paced():
    twilio = FakeTwilio()
    session = paced_session(twilio)
    key = f"test-{uuid.uuid4()}"
    # Paced, a request with this token would wait an hour.
    far = sending.Pace(key, 1, time.monotonic() + 3600)
    sending._sending.pace = far
    try:
        session.get(CREATE_URL)  # a list, not a create: goes at once
    finally:
        sending._sending.pace = None
    assert not far.taken.is_set()
    assert len(twilio.stamps) == 1
    pace = sending.Pace(key, 1, time.monotonic() + 0.5)
    sending._sending.pace = pace
    try:
        session.post(CREATE_URL, data={"To": "+14155550123"})
    finally:
        sending._sending.pace = None
    assert pace.taken.is_set()
    assert twilio.stamps[-1] >= pace.start_at
