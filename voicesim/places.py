"""Where a number is: the geographic parameters Twilio adds to its webhooks.

Twilio tells an application where the caller and the called number are
(``FromCity``, ``FromState``, ``FromZip``, ``FromCountry``, the same for
``To``, and their ``Caller…``/``Called…`` twins), as far as it knows. So does
the simulator: a city, state and ZIP only where the phonebook file's
``places`` table gives them (never invented), the country from the number
itself (``phonenumbers``) where the file says nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import phonenumbers

from voicesim.numbers import is_address

#: the webhook parameters each side of a call gets: (side, twin) prefixes
SIDES = {"from": ("From", "Caller"), "to": ("To", "Called")}
FIELDS = {"city": "City", "state": "State", "zip": "Zip", "country": "Country"}


@dataclass(frozen=True)
class Place:
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Place:
        unknown = set(data) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown place keys: {', '.join(sorted(unknown))}")
        return cls(**{key: str(value) for key, value in data.items()})


@lru_cache(maxsize=8192)
def country_of(number: str) -> str:
    """The ISO country of an E.164 number (its calling code's main country when
    the number is no valid one, as fictional ``555`` numbers are); "" if none."""
    if is_address(number):
        return ""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return ""
    region = phonenumbers.region_code_for_number(parsed) or (
        phonenumbers.region_code_for_country_code(parsed.country_code)
    )
    return "" if region in (None, phonenumbers.UNKNOWN_REGION) else region


def place_of(places: dict[str, Place], number: str) -> Place:
    """The file's place of ``number``, its country filled in from the number."""
    place = places.get(number, Place())
    if place.country:
        return place
    return Place(place.city, place.state, place.zip, country_of(number))


def geographic_params(places: dict[str, Place], from_: str, to: str) -> dict[str, str]:
    """``FromCity``… ``CalledCountry``: each value the simulator knows, no empty ones."""
    params = {}
    for side, number in (("from", from_), ("to", to)):
        for key, value in asdict(place_of(places, number)).items():
            if value:
                for prefix in SIDES[side]:
                    params[f"{prefix}{FIELDS[key]}"] = value
    return params
