"""Parameter checks the kinds share; each raises RuleViolation naming the field."""

from __future__ import annotations

from collections.abc import Mapping

from calls.exceptions import RuleViolation

from ..models import Conference


def no_params(conference: Conference, params: Mapping) -> dict:
    """For kinds that take nothing: an unknown field is refused, never ignored."""
    only(params, ())
    return {}


def only(params: Mapping, allowed: tuple[str, ...]) -> None:
    for name in params:
        if name not in allowed:
            raise RuleViolation(f"This action takes no {name!r}.", field=name, code="unexpected")
