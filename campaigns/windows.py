"""Calling windows in each contact's own time zone.

A contact's zone comes from its number (`phonenumbers.timezone`); a number
whose region spans several zones, or none, is called in the campaign's zone,
so nobody is rung outside the hours in the zone the campaign plans for.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_zones

from .models import Campaign

UNKNOWN_ZONE = "Etc/Unknown"


def zone_for_number(e164: str) -> str:
    """The number's only zone, or "" when it has several or none (campaign zone applies)."""
    zones = number_zones.time_zones_for_number(phonenumbers.parse(e164))
    if len(zones) == 1 and zones[0] != UNKNOWN_ZONE:
        return zones[0]
    return ""


def is_open(campaign: Campaign, zone: str, now: datetime) -> bool:
    """Whether `now` falls on a calling day and inside the calling hours in `zone`."""
    local = now.astimezone(ZoneInfo(zone or campaign.time_zone))
    return (
        str(local.isoweekday()) in campaign.window_days
        and campaign.window_start <= local.time().replace(tzinfo=None) < campaign.window_end
    )


def open_zones(campaign: Campaign, zones: Iterable[str], now: datetime) -> list[str]:
    """The contacts' zones (as stored, "" for the campaign's) in which calling is allowed now."""
    return [zone for zone in zones if is_open(campaign, zone, now)]
