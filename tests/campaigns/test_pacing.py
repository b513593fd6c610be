"""The shared token buckets space starts exactly, against real Redis and the database."""

import itertools
import threading
import time
import uuid

import pytest
from django.conf import settings

from campaigns.pacing import DatabaseBucket, RedisBucket

REDIS_URL = settings.CELERY_BROKER_URL


def reserved_waits(bucket, key: str, count: int, interval: float) -> list[float]:
    return [bucket.reserve(key, interval, max_wait=60) for _ in range(count)]


@pytest.mark.skipif(not REDIS_URL.startswith("redis"), reason="needs Redis (CELERY_BROKER_URL)")
def test_redis_bucket_gives_each_caller_the_next_slot_one_interval_on():
    bucket = RedisBucket(REDIS_URL)
    waits = reserved_waits(bucket, f"test-{uuid.uuid4()}", 5, 0.5)
    assert waits[0] == pytest.approx(0, abs=0.01)
    for earlier, later in itertools.pairwise(waits):
        assert later - earlier == pytest.approx(0.5, abs=0.01)


@pytest.mark.skipif(not REDIS_URL.startswith("redis"), reason="needs Redis (CELERY_BROKER_URL)")
def test_redis_bucket_refuses_a_slot_further_than_the_caller_will_wait():
    bucket = RedisBucket(REDIS_URL)
    key = f"test-{uuid.uuid4()}"
    assert bucket.reserve(key, 10, max_wait=1) == pytest.approx(0, abs=0.01)
    assert bucket.reserve(key, 10, max_wait=1) is None
    assert bucket.reserve(key, 10, max_wait=11) == pytest.approx(10, abs=0.05)


@pytest.mark.skipif(not REDIS_URL.startswith("redis"), reason="needs Redis (CELERY_BROKER_URL)")
def test_redis_bucket_slots_from_many_threads_never_collide():
    key = f"test-{uuid.uuid4()}"
    starts: list[float] = []

    def take():
        bucket = RedisBucket(REDIS_URL)
        for _ in range(20):
            wait = bucket.reserve(key, 0.01, max_wait=60)
            starts.append(time.monotonic() + wait)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts.sort()
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert len(starts) == 80
    # Every start is one interval after the one before, whichever thread asked
    # (a couple of milliseconds of round trip to Redis aside).
    assert min(gaps) >= 0.01 - 0.003


@pytest.mark.django_db(transaction=True)
def test_database_bucket_spaces_slots_and_refuses_far_ones():
    bucket = DatabaseBucket()
    waits = reserved_waits(bucket, "test-db", 4, 0.25)
    assert waits[0] == pytest.approx(0, abs=0.05)
    assert waits[3] - waits[0] == pytest.approx(0.75, abs=0.05)
    assert bucket.reserve("test-db", 0.25, max_wait=0.1) is None
