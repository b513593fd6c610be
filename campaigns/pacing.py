"""Calls-per-second limits that hold across every worker process and host.

A token bucket one token deep: each reservation gets the next free start time
and moves it one interval (1 / calls-per-second) on. One token deep means no
burst, so no one-second window ever holds more starts than the setting.
Reserving a time slot rather than polling for a token keeps the spacing exact:
the caller sleeps until its slot instead of racing the others for the next one.

With Redis as the broker the bucket is a key updated by one Lua script
(atomic, Redis's own clock, so hosts' clocks may disagree); otherwise (the
embedded default) it is a row updated under a lock.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Protocol

import redis
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import PacingBucket

# Creates reach Twilio some milliseconds after their token, not always the
# same few (commit, hand-off to a sending thread, the core's dispatch). Tokens
# spaced this much wider than the setting keep that jitter, up to this fraction
# of a second (15 ms), from putting one call too many into a one-second window,
# at this share of the rate (within the 2 % the pace is held to).
SPACING_MARGIN = 0.015

# KEYS[1]: the bucket; ARGV[1]: seconds between starts; ARGV[2]: longest wait
# accepted. Returns the seconds to wait before starting, or -1 (nothing taken).
RESERVE_SCRIPT = """
local interval = tonumber(ARGV[1])
local max_wait = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
if next_free < now then next_free = now end
local wait = next_free - now
if wait > max_wait then return '-1' end
local ttl_ms = math.ceil((wait + interval) * 1000) + 60000
redis.call('SET', KEYS[1], string.format('%.6f', next_free + interval), 'PX', ttl_ms)
return string.format('%.6f', wait)
"""


def interval(calls_per_second) -> float:
    """Seconds between two tokens for a campaign paced at `calls_per_second`."""
    return (1 + SPACING_MARGIN) / float(calls_per_second)


class Bucket(Protocol):
    def reserve(self, key: str, interval: float, max_wait: float) -> float | None:
        """Seconds to wait before the reserved start, or None when it is further than max_wait."""


class RedisBucket:
    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url)
        self.script = self.client.register_script(RESERVE_SCRIPT)

    def reserve(self, key: str, interval: float, max_wait: float) -> float | None:
        wait = float(self.script(keys=[f"campaigns:pacing:{key}"], args=[interval, max_wait]))
        return None if wait < 0 else wait


class DatabaseBucket:
    def reserve(self, key: str, interval: float, max_wait: float) -> float | None:
        with transaction.atomic():
            bucket = self._locked(key)
            now = timezone.now()
            next_free = max(bucket.next_free_at, now)
            wait = (next_free - now).total_seconds()
            if wait > max_wait:
                return None
            bucket.next_free_at = next_free + timedelta(seconds=interval)
            bucket.save(update_fields=["next_free_at"])
        return wait

    @staticmethod
    def _locked(key: str) -> PacingBucket:
        bucket = PacingBucket.objects.select_for_update().filter(key=key).first()
        if bucket is not None:
            return bucket
        try:
            with transaction.atomic():
                PacingBucket.objects.create(key=key, next_free_at=timezone.now())
        except IntegrityError:
            pass  # another worker created it first
        return PacingBucket.objects.select_for_update().get(key=key)


@functools.cache
def _bucket_for(broker_url: str) -> Bucket:
    if broker_url.startswith(("redis://", "rediss://")):
        return RedisBucket(broker_url)
    return DatabaseBucket()


def bucket() -> Bucket:
    """Redis when Celery runs on Redis (every worker reaches it), else the database."""
    return _bucket_for(settings.CELERY_BROKER_URL)
