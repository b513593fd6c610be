"""How the campaigns pages write numbers, moments and lengths of time, so every
list, page and message shows them the same way: a number as people write it
("+1 212-555-0101"), a moment in the back office's time zone to the second
("2026-11-30 14:05:09"), a length of time as a clock ("2:05", "1:02:03")."""

from __future__ import annotations

from datetime import datetime

import phonenumbers
from django.utils import timezone

NAME_VARIABLES = ("name", "full_name")
NAME_PARTS = ("first_name", "last_name")


def phone(number: str) -> str:
    """An E.164 number in its international form; anything else as it is."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def moment(value: datetime | None) -> str:
    if value is None:
        return "-"
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def counted(count: int, singular: str, plural: str = "") -> str:
    """'1 contact', '2 contacts'."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def person_name(variables: dict) -> str:
    """The name a contact's CSV row gave (a name column, or first and last names)."""
    for key in NAME_VARIABLES:
        if str(variables.get(key, "")).strip():
            return str(variables[key]).strip()
    return " ".join(str(variables.get(key, "")).strip() for key in NAME_PARTS).strip()
