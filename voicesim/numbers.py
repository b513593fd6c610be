"""Phone number parsing shared by both API fronts.

The 2008 API promised "any format" for US numbers (seed 002) and the 2010 API
wants E.164; both go through ``phonenumbers`` with US as the default region so
``415-555-1212``, ``14155551212`` and ``+1 (415) 555-1212`` are one number.
SIP and Client addresses pass through untouched. Both conversions are cached:
a dialer calls the same numbers over and over, and parsing is most of what a
create costs.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers


def is_address(value: str) -> bool:
    """SIP URIs and Client identities are not phone numbers."""
    lowered = value.lower()
    return lowered.startswith(("sip:", "client:"))


@lru_cache(maxsize=8192)
def to_e164(value: str) -> str | None:
    """E.164 form of ``value`` or ``None`` when it is not a plausible number.

    Possible (not valid) numbers are accepted: fictional 555 numbers are the
    daily bread of a simulator and ``is_valid_number`` rejects many of them.
    """
    value = (value or "").strip()
    if not value:
        return None
    if is_address(value):
        return value
    try:
        parsed = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=8192)
def national_format(e164: str) -> str:
    """Display form (``(415) 555-1212`` for NANP, E.164 elsewhere) for ``*_formatted``."""
    if is_address(e164):
        return e164
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if parsed.country_code == 1:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return e164


def ten_digits(e164: str) -> str:
    """The 2008 API showed US numbers as ten bare digits (``4155551212``)."""
    if e164.startswith("+1") and len(e164) == 12:
        return e164[2:]
    return e164.lstrip("+")
