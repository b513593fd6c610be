"""The shared token buckets hand out one start time per interval, against real Redis
and the database. Intervals are long (10 s) next to the test's own run time, so each
reservation's wait tells which slot it got however busy the machine is."""

import threading
import uuid

import pytest
from django.conf import settings

from campaigns.pacing import DatabaseBucket, RedisBucket

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
