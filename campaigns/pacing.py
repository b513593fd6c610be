"""Calls-per-second limits that hold across every worker process and host.

Two parts, both shared by every worker:

- The schedule, a token bucket one token deep: each reservation gets the next
  free start time and moves it one interval (a little over 1 / calls-per-second)
  on. One token deep means no burst, and a reservation made late starts the
  schedule again from now: a late slot is never made up by a quicker one.
  Reserving a time slot rather than polling for a token keeps the spacing even:
  the caller sleeps until its slot instead of racing the others for the next one.
- The send window, which makes "never more than the setting in any one second"
  hold whatever happens between a token and Twilio (a thread woken late, a slow
  commit, Twilio or its network taking longer on one create than the next). A
  create counts against the window from the moment it is let through until one
  second after its answer came back; no more than the setting count at once.
  Twilio records a create somewhere between those two moments, so the creates
  Twilio records in any one-second window were all counting at the moment the
  last of them was let through: never more than the setting. On schedule, a
  create counts for a second and its answer time, and the margin of the
  schedule leaves that much room; only an answer slower than the margin makes
  the next create wait.

With Redis as the broker both are keys updated by Lua scripts (atomic, Redis's
own clock, so hosts' clocks may disagree); otherwise (the embedded default)
they are rows updated under a lock.
"""

from __future__ import annotations

import functools
import math
import uuid
from datetime import timedelta
from typing import Protocol

import redis
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import PacingBucket, PacingSend

# Tokens are spaced this much wider than the setting: the time a create keeps
# counting in the send window beyond its second (its answer time) is free up to
# this fraction of a second (10 ms), at this share of the rate (within the 2 %
# the pace is held to). A slower answer delays the create one setting later.
SPACING_MARGIN = 0.01
# A create counts in the send window until this long after its answer.
WINDOW_SECONDS = 1.0
# ...plus this much, for the clocks of the window (Redis's or the database
# host's) and of Twilio to disagree by a little.
WINDOW_GUARD_SECONDS = 0.002
# So an answered create counts for this long after its answer.
ANSWERED_COUNTS_SECONDS = WINDOW_SECONDS + WINDOW_GUARD_SECONDS

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


# KEYS[1]: the window (a sorted set: ticket -> moment it stops counting);
# ARGV[1]: ticket; ARGV[2]: creates allowed at once; ARGV[3]: how long an
# unanswered create counts. Returns 0 (let through) or seconds to wait.
ADMIT_SCRIPT = """
local limit = tonumber(ARGV[2])
local hold = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.6f', now))
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], string.format('%.6f', now + hold), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], math.ceil(hold * 1000) + 60000)
  return '0'
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return string.format('%.6f', math.max(tonumber(first[2]) - now, 0.000001))
"""

# KEYS[1]: the window; ARGV[1]: ticket; ARGV[2]: how long it still counts.
LEAVE_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
redis.call('ZADD', KEYS[1], 'XX', string.format('%.6f', now + tonumber(ARGV[2])), ARGV[1])
return 1
"""


def interval(calls_per_second) -> float:
    """Seconds between two tokens for a campaign paced at `calls_per_second`."""
    return (1 + SPACING_MARGIN) / float(calls_per_second)


def window_limit(calls_per_second) -> int:
    """Creates allowed in one second: the setting, rounded up for a fractional one
    (whose spacing keeps any second below that anyway), and at least one."""
    return max(math.ceil(float(calls_per_second)), 1)


def hold_seconds() -> float:
    """How long a create nobody saw answered counts: the HTTP timeout and the window."""
    return float(settings.TWILIO_HTTP_TIMEOUT) + ANSWERED_COUNTS_SECONDS


class Bucket(Protocol):
    def reserve(self, key: str, interval: float, max_wait: float) -> float | None:
        """Seconds to wait before the reserved start, or None when it is further than max_wait."""


class Window(Protocol):
    def admit(self, key: str, ticket: str, limit: int, hold: float) -> float:
        """0 when `ticket` was let through (it counts for `hold` seconds from now),
        else the seconds until one of the `limit` creates counting stops counting."""

    def leave(self, key: str, ticket: str) -> None:
        """The create was answered: it counts for one more window from now."""


class RedisBucket:
    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url)
        self.script = self.client.register_script(RESERVE_SCRIPT)

    def reserve(self, key: str, interval: float, max_wait: float) -> float | None:
        wait = float(self.script(keys=[f"campaigns:pacing:{key}"], args=[interval, max_wait]))
        return None if wait < 0 else wait


class RedisWindow:
    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url)
        self.admit_script = self.client.register_script(ADMIT_SCRIPT)
        self.leave_script = self.client.register_script(LEAVE_SCRIPT)

    def admit(self, key: str, ticket: str, limit: int, hold: float) -> float:
        return float(
            self.admit_script(keys=[f"campaigns:sending:{key}"], args=[ticket, limit, hold])
        )

    def leave(self, key: str, ticket: str) -> None:
        self.leave_script(
            keys=[f"campaigns:sending:{key}"],
            args=[ticket, ANSWERED_COUNTS_SECONDS],
        )


class DatabaseBucket:
    def reserve(self, key: str, interval: float, max_wait: float) -> float | None:
        with transaction.atomic():
            bucket = _locked_bucket(key)
            now = timezone.now()
            next_free = max(bucket.next_free_at, now)
            wait = (next_free - now).total_seconds()
            if wait > max_wait:
                return None
            bucket.next_free_at = next_free + timedelta(seconds=interval)
            bucket.save(update_fields=["next_free_at"])
        return wait


class DatabaseWindow:
    def admit(self, key: str, ticket: str, limit: int, hold: float) -> float:
        with transaction.atomic():
            _locked_bucket(f"window:{key}")  # one admission at a time per key
            now = timezone.now()
            PacingSend.objects.filter(key=key, counts_until__lte=now).delete()
            counting = PacingSend.objects.filter(key=key)
            if counting.count() < limit:
                PacingSend.objects.create(
                    key=key, ticket=ticket, counts_until=now + timedelta(seconds=hold)
                )
                return 0.0
            first = counting.order_by("counts_until").values_list("counts_until", flat=True)[0]
            return max((first - now).total_seconds(), 1e-6)

    def leave(self, key: str, ticket: str) -> None:
        until = timezone.now() + timedelta(seconds=ANSWERED_COUNTS_SECONDS)
        PacingSend.objects.filter(key=key, ticket=ticket).update(counts_until=until)


def _locked_bucket(key: str) -> PacingBucket:
    """The bucket row of `key`, created on first use, locked until the transaction ends."""
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
def _shared(broker_url: str, on_redis: type, elsewhere: type):
    if broker_url.startswith(("redis://", "rediss://")):
        return on_redis(broker_url)
    return elsewhere()


def bucket() -> Bucket:
    """Redis when Celery runs on Redis (every worker reaches it), else the database."""
    return _shared(settings.CELERY_BROKER_URL, RedisBucket, DatabaseBucket)


def window() -> Window:
    """The send window, beside the bucket."""
    return _shared(settings.CELERY_BROKER_URL, RedisWindow, DatabaseWindow)


def new_ticket() -> str:
    return uuid.uuid4().hex
