"""How the console names a call, a moment and a length of time on the board and in its
messages: by the call's parties and the time of day, as a supervisor would say it
("the call from +1 415-555-0161 with Ann", "at 14:05", "1:05"), never by its SID."""

from __future__ import annotations

import datetime as dt

import phonenumbers
from django.utils import timezone

from calls.models import Call, Direction, Redirect


def phone_number(value: str) -> str:
    """A number as people read it (+1 415-555-0161); a SIP URI or client name as is."""
    try:
        parsed = phonenumbers.parse(value)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def far_party(call: Call) -> str:
    """The number on the far side, as people read it."""
    return phone_number(call.far_number)


def call_name(call: Call, agent: object | None = None) -> str:
    """ "the call from +1 415-555-0161", "the call to …", with the agent on it if any."""
    way = "from" if call.direction == Direction.INBOUND else "to"
    with_agent = f" with {agent}" if agent is not None else ""
    return f"the call {way} {far_party(call)}{with_agent}"


def clock(seconds: int) -> str:
    """A wait or talk time as a clock reads it: 0:42, 12:05, 1:02:09."""
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


def seconds_since(since: dt.datetime, now: dt.datetime) -> int:
    """Whole seconds from `since` to `now`, never below zero (clocks of two hosts)."""
    return max(0, int((now - since).total_seconds()))


def time_of_day(moment: dt.datetime) -> str:
    """14:05, in the project's time zone."""
    return timezone.localtime(moment).strftime("%H:%M")


def when_due(redirect: Redirect) -> str:
    """When a scheduled change happens: "at 14:10", or "when the agent hangs up"."""
    if redirect.due_at is not None:
        return f"at {time_of_day(redirect.due_at)}"
    return "when the agent hangs up"


def change_name(redirect: Redirect) -> str:
    """The change a redirect makes, as a noun: "the hang-up", "the redirect"."""
    return f"the {redirect.get_action_display().lower().replace(' ', '-')}"
