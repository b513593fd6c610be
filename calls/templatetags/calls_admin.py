"""The calls changelist's date drill-down, read from the first and last dates.

Django's drill-down lists the months (or days) that hold rows with a `SELECT
DISTINCT date_trunc(…)` over every row of the period shown: on a table of
millions of calls that scan is most of the page's time. A call center has calls
every day, so the months and days between the first and the last call of the
period are offered instead; both ends come from the date column's index.
Django's own tag does the rest, on a changelist whose queryset answers
`datetimes()` that way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.contrib.admin.views.main import ChangeList
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

register = template.Library()


class _DatesFromBounds:
    """The changelist's queryset, whose `datetimes()` spans its first to last date.

    Django's tag asks for the same first and last dates to pick its level, so
    each aggregate is read once.
    """

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset
        self._aggregates: dict[str, dict] = {}

    def aggregate(self, **aggregates) -> dict:
        key = repr(sorted(aggregates.items()))
        if key not in self._aggregates:
            self._aggregates[key] = self.queryset.aggregate(**aggregates)
        return self._aggregates[key]

    def datetimes(self, field_name: str, kind: str) -> list[dt.datetime]:
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        first, last = (timezone.localtime(bounds[end]) for end in ("first", "last"))
        return list(_steps(first, last, kind))


class _ChangeListDatesFromBounds:
    def __init__(self, changelist: ChangeList):
        self._changelist = changelist
        self.queryset = _DatesFromBounds(changelist.queryset)

    def __getattr__(self, name: str):
        return getattr(self._changelist, name)


def _steps(first: dt.datetime, last: dt.datetime, kind: str) -> Iterator[dt.datetime]:
    """Each year, month or day from `first` to `last`, as Django's `datetimes()` gives them."""
    if kind == "year":
        yield from (dt.datetime(year, 1, 1) for year in range(first.year, last.year + 1))
    elif kind == "month":
        for index in range(first.year * 12 + first.month - 1, last.year * 12 + last.month):
            yield dt.datetime(index // 12, index % 12 + 1, 1)
    else:
        for offset in range((last.date() - first.date()).days + 1):
            day = first.date() + dt.timedelta(days=offset)
            yield dt.datetime(day.year, day.month, day.day)


@register.inclusion_tag("admin/date_hierarchy.html")
def date_hierarchy_from_bounds(changelist: ChangeList) -> dict:
    return date_hierarchy(_ChangeListDatesFromBounds(changelist))
