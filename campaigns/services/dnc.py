"""The do-not-call list: exact numbers and prefixes, checked at import and again
right before each dial (a number added mid-campaign is never rung)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q

from calls import rules as call_rules
from calls.exceptions import RuleViolation

from ..models import DoNotCall

PREFIX_PATTERN_MIN_DIGITS = 2


def prefixes_of(e164: str) -> list[str]:
    """Every leading part of the number, "+1" up to the whole number."""
    return [e164[:end] for end in range(PREFIX_PATTERN_MIN_DIGITS, len(e164) + 1)]


def blocking_entry(e164: str) -> DoNotCall | None:
    """The entry that forbids dialing `e164`, if any (an exact one before a prefix)."""
    return (
        DoNotCall.objects.filter(
            Q(is_prefix=False, value=e164) | Q(is_prefix=True, value__in=prefixes_of(e164))
        )
        .order_by("is_prefix", "value")
        .first()
    )


def blocked_numbers(numbers: list[str]) -> set[str]:
    """The subset of `numbers` on the list, in two queries whatever its size."""
    exact = set(
        DoNotCall.objects.filter(is_prefix=False, value__in=numbers).values_list("value", flat=True)
    )
    prefixes = set(DoNotCall.objects.filter(is_prefix=True).values_list("value", flat=True))
    return {
        number
        for number in numbers
        if number in exact or any(p in prefixes for p in prefixes_of(number))
    }


def normalised_entry(value: str, *, is_prefix: bool) -> str:
    """E.164 for a number; "+" and digits for a prefix (any spacing accepted)."""
    if not is_prefix:
        return call_rules.phone_number(value, field="value")
    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    if len(digits) < PREFIX_PATTERN_MIN_DIGITS - 1 or not (value or "").strip().startswith("+"):
        raise RuleViolation(
            "A prefix is the start of an E.164 number with its country code, e.g. +1900.",
            field="value",
        )
    return f"+{digits}"


def add_entry(value: str, *, is_prefix: bool = False, reason: str = "", created_by=None):
    """Add a number or prefix; adding one already there returns the existing entry."""
    normalised = normalised_entry(value, is_prefix=is_prefix)
    try:
        with transaction.atomic():
            return DoNotCall.objects.create(
                value=normalised, is_prefix=is_prefix, reason=reason[:200], created_by=created_by
            )
    except IntegrityError:
        return DoNotCall.objects.get(value=normalised, is_prefix=is_prefix)


def remove_entry(entry_id: int) -> None:
    DoNotCall.objects.filter(pk=entry_id).delete()


@dataclass
class DncImportReport:
    added: int = 0
    already_listed: int = 0
    rejected: list[dict] = field(default_factory=list)


DNC_COLUMNS = {"number", "prefix"}


def dnc_columns(columns: list[str]) -> None:
    if not set(columns) & DNC_COLUMNS:
        raise RuleViolation(
            "The file needs a header row with a 'number' or 'prefix' column.", field="file"
        )


def add_entry_rows(
    header: list[str], rows: list[tuple[int, list[str]]], *, created_by=None
) -> DncImportReport:
    """Add these rows of a file (a `number` or `prefix` column, optional `reason`)."""
    dnc_columns(header)
    report = DncImportReport()
    for line, values in rows:
        row = dict(zip(header, (value.strip() for value in values), strict=False))
        is_prefix = bool(row.get("prefix")) and not row.get("number")
        value = row.get("prefix") if is_prefix else row.get("number", "")
        try:
            normalised = normalised_entry(value, is_prefix=is_prefix)
        except RuleViolation as exc:
            report.rejected.append({"line": line, "value": value, "reason": exc.message})
            continue
        _, created = DoNotCall.objects.get_or_create(
            value=normalised,
            is_prefix=is_prefix,
            defaults={"reason": row.get("reason", "")[:200], "created_by": created_by},
        )
        if created:
            report.added += 1
        else:
            report.already_listed += 1
    return report
