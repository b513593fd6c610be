"""Calling windows in each contact's own time zone.

A contact's zone comes from its number (`phonenumbers.timezone`); a number
whose region spans several zones, or none, is called in the campaign's zone,
so nobody is rung outside the hours in the zone the campaign plans for.

A window ending at 00:00 ends at midnight, so 00:00 to 00:00 is the whole day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_zones

from .models import Campaign

UNKNOWN_ZONE = "Etc/Unknown"
MIDNIGHT = time(0, 0)


def zone_for_number(e164: str) -> str:
    """The number's only zone, or "" when it has several or none (campaign zone applies)."""
    zones = number_zones.time_zones_for_number(phonenumbers.parse(e164))
    if len(zones) == 1 and zones[0] != UNKNOWN_ZONE:
        return zones[0]
    return ""


def zone_name(campaign: Campaign, zone: str) -> str:
    """The zone a contact is called in: its own, else the campaign's."""
    return zone or campaign.time_zone


def _inside_hours(campaign: Campaign, moment: time) -> bool:
    ends_at_midnight = campaign.window_end == MIDNIGHT
    return campaign.window_start <= moment and (ends_at_midnight or moment < campaign.window_end)


def is_open(campaign: Campaign, zone: str, now: datetime) -> bool:
    """Whether `now` falls on a calling day and inside the calling hours in `zone`."""
    local = now.astimezone(ZoneInfo(zone_name(campaign, zone)))
    return str(local.isoweekday()) in campaign.window_days and _inside_hours(
        campaign, local.time().replace(tzinfo=None)
    )


def open_zones(campaign: Campaign, zones: Iterable[str], now: datetime) -> list[str]:
    """The contacts' zones (as stored, "" for the campaign's) in which calling is allowed now."""
    return [zone for zone in zones if is_open(campaign, zone, now)]


def next_opening(campaign: Campaign, zone: str, after: datetime) -> datetime:
    """The first moment at or after `after` inside the calling window in `zone`.

    Calling days always include at least one weekday, so a window opens within
    a week.
    """
    if is_open(campaign, zone, after):
        return after
    tz = ZoneInfo(zone_name(campaign, zone))
    day = after.astimezone(tz).date()
    for _ in range(8):
        opens = datetime.combine(day, campaign.window_start, tzinfo=tz)
        if str(day.isoweekday()) in campaign.window_days and opens > after:
            return opens
        day += timedelta(days=1)
    raise ValueError(f"The campaign calls on no weekday: {campaign.window_days!r}")
