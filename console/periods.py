"""The days a dashboard covers, as dates in the project's time zone and as instants."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class Period:
    since: dt.date
    until: dt.date

    @classmethod
    def today(cls) -> Period:
        day = timezone.localdate()
        return cls(day, day)

    @property
    def is_one_day(self) -> bool:
        return self.since == self.until

    @property
    def days(self) -> list[dt.date]:
        return [
            self.since + dt.timedelta(days=n) for n in range((self.until - self.since).days + 1)
        ]

    @property
    def start(self) -> dt.datetime:
        """First instant of `since`, local midnight."""
        return _midnight(self.since)

    @property
    def end(self) -> dt.datetime:
        """First instant after `until` (exclusive bound)."""
        return _midnight(self.until + dt.timedelta(days=1))

    def __str__(self) -> str:
        if self.is_one_day:
            return self.since.strftime("%a %-d %b %Y")
        return f"{self.since:%-d %b %Y} to {self.until:%-d %b %Y}"


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
