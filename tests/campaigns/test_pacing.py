"""The shared token buckets hand out one start time per interval, against real Redis
and the database. Intervals are long (10 s) next to the test's own run time, so each
reservation's wait tells which slot it got however busy the machine is. The send
windows let the setting's worth of creates count at once."""

import threading
import time
import uuid

import pytest
from django.conf import settings

from campaigns import pacing
from campaigns.pacing import DatabaseBucket, DatabaseWindow, RedisBucket, RedisWindow

REDIS_URL = settings.CELERY_BROKER_URL
INTERVAL = 10.0
needs_redis = pytest.mark.skipif(
    not REDIS_URL.startswith("redis"), reason="needs Redis (CELERY_BROKER_URL)"
)


def slots(waits: list[float]) -> list[int]:
    """Which slot each wait reserved: 0 is now, 1 is one interval on…"""
    return sorted(round(wait / INTERVAL) for wait in waits)


@needs_redis
def test_redis_bucket_gives_each_caller_the_next_slot_one_interval_on():
    bucket = RedisBucket(REDIS_URL)
    key = f"test-{uuid.uuid4()}"
    assert slots([bucket.reserve(key, INTERVAL, max_wait=100) for _ in range(5)]) == [0, 1, 2, 3, 4]


@needs_redis
def test_redis_bucket_refuses_a_slot_further_than_the_caller_will_wait():
    bucket = RedisBucket(REDIS_URL)
    key = f"test-{uuid.uuid4()}"
    assert bucket.reserve(key, INTERVAL, max_wait=1) is not None
    assert bucket.reserve(key, INTERVAL, max_wait=1) is None
    # The refused call took nothing: the next one still gets the second slot.
    assert slots([bucket.reserve(key, INTERVAL, max_wait=100)]) == [1]


@needs_redis
def test_redis_bucket_slots_from_many_clients_never_collide():
    key = f"test-{uuid.uuid4()}"
    waits: list[float] = []

    def take():
        bucket = RedisBucket(REDIS_URL)
        waits.extend(bucket.reserve(key, INTERVAL, max_wait=1000) for _ in range(20))

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert slots(waits) == list(range(80))


@pytest.mark.django_db(transaction=True)
def test_database_bucket_spaces_slots_and_refuses_far_ones():
    bucket = DatabaseBucket()
    assert slots([bucket.reserve("test-db", INTERVAL, max_wait=100) for _ in range(4)]) == [
        0,
        1,
        2,
        3,
    ]
    assert bucket.reserve("test-db", INTERVAL, max_wait=1) is None


# The schedule never lends a burst: after a pause, or a reservation made late,
# the schedule starts again from now and the next slot is a whole interval on.
SHORT = 0.3
# The buckets keep moments to the microsecond.
CLOCK_ROUNDING = 1e-5


def never_bursts(bucket, key: str) -> None:
    assert bucket.reserve(key, SHORT, max_wait=10) == 0
    time.sleep(3 * SHORT)  # three slots go by unused
    started = time.monotonic()
    late = bucket.reserve(key, SHORT, max_wait=10)
    following = bucket.reserve(key, SHORT, max_wait=10)
    between = time.monotonic() - started
    assert late == 0
    # Not made up by a quicker one: a full interval after the late slot (less
    # only the moments between the two reservations).
    assert SHORT - between - CLOCK_ROUNDING <= following <= SHORT


@needs_redis
def test_redis_bucket_makes_up_no_missed_slot():
    never_bursts(RedisBucket(REDIS_URL), f"test-{uuid.uuid4()}")


@pytest.mark.django_db(transaction=True)
def test_database_bucket_makes_up_no_missed_slot():
    never_bursts(DatabaseBucket(), "test-late")


# The send window: `limit` creates count at once, each until one window after it
# is answered; one not yet answered counts for its whole hold.
HOLD = 30.0


def counts_each_create_until_a_window_after_its_answer(window, key: str) -> None:
    assert window.admit(key, "a", 2, HOLD) == 0
    assert window.admit(key, "b", 2, HOLD) == 0
    # Both unanswered: the third waits for the first hold to run out.
    assert HOLD - 5 < window.admit(key, "c", 2, HOLD) <= HOLD
    left = time.monotonic()
    window.leave(key, "a")
    # Answered: "a" counts one more window, then "c" may go.
    wait = window.admit(key, "c", 2, HOLD)
    between = time.monotonic() - left
    counts = pacing.ANSWERED_COUNTS_SECONDS
    assert counts - between - CLOCK_ROUNDING <= wait <= counts + CLOCK_ROUNDING
    # A refused ticket took nothing: still only "a" and "b" count.
    time.sleep(wait)
    assert window.admit(key, "c", 2, HOLD) == 0
    assert window.admit(key, "d", 2, HOLD) > 0


@needs_redis
def test_redis_window_counts_each_create_until_a_window_after_its_answer():
    counts_each_create_until_a_window_after_its_answer(
        RedisWindow(REDIS_URL), f"test-{uuid.uuid4()}"
    )


@pytest.mark.django_db(transaction=True)
def test_database_window_counts_each_create_until_a_window_after_its_answer():
    counts_each_create_until_a_window_after_its_answer(DatabaseWindow(), "test-window")
