"""Calling windows apply in each contact's own zone, the campaign's when the number has several."""

from datetime import UTC, datetime, time

import pytest

from campaigns.windows import is_open, open_zones, zone_for_number

from .factories import campaign

pytestmark = pytest.mark.django_db


def test_zone_comes_from_the_number_and_is_empty_when_the_number_tells_none():
    assert zone_for_number("+12125550101") == "America/New_York"
    assert zone_for_number("+14155550101") == "America/Los_Angeles"
    assert zone_for_number("+15550001000") == ""


def test_the_same_moment_is_inside_the_window_in_new_york_and_outside_in_los_angeles():
    target = campaign(
        window_days="1234567", window_start=time(9), window_end=time(17), time_zone="Europe/Paris"
    )
    # 14:00 UTC on a Wednesday: 10:00 in New York, 07:00 in Los Angeles, 15:00 in Paris.
    now = datetime(2025, 1, 15, 14, 0, tzinfo=UTC)
    assert is_open(target, "America/New_York", now)
    assert not is_open(target, "America/Los_Angeles", now)
    assert is_open(target, "", now)  # the campaign's own zone
    assert open_zones(target, ["America/New_York", "America/Los_Angeles", ""], now) == [
        "America/New_York",
        "",
    ]


def test_days_are_the_contacts_local_weekday():
    target = campaign(window_days="12345", window_start=time(0), window_end=time(23, 59))
    # Saturday 02:00 UTC is still Friday evening in Los Angeles.
    now = datetime(2025, 1, 18, 2, 0, tzinfo=UTC)
    assert is_open(target, "America/Los_Angeles", now)
    assert not is_open(target, "Europe/London", now)
