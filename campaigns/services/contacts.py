"""Importing a campaign's contacts from CSV.

Every number is normalised to E.164 with the core's rule, so "(415) 555-1212"
and "+14155551212" are one contact; a row is dropped, with its line and reason
in the report, when its number is invalid, repeated, or on the do-not-call list.
Columns other than the number and SendDigits become the contact's variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from calls import rules as call_rules
from calls.exceptions import RuleViolation

from ..csv_files import read_table
from ..models import Campaign, Contact
from ..windows import zone_for_number
from .dnc import blocked_numbers
from .lifecycle import ensure_not_final

NUMBER_COLUMNS = ("phone_number", "phone", "number", "to")
SEND_DIGITS_COLUMN = "send_digits"


@dataclass
class ImportReport:
    imported: int = 0
    rejected: list[dict] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.imported + len(self.rejected)

    def reject(self, line: int, number: str, reason: str) -> None:
        self.rejected.append({"line": line, "phone_number": number, "reason": reason})

    def as_dict(self) -> dict:
        return {"rows": self.rows, "imported": self.imported, "rejected": self.rejected}


@dataclass
class _Row:
    line: int
    raw_number: str
    number: str
    send_digits: str
    variables: dict[str, str]


def number_column(columns: list[str]) -> str:
    for name in NUMBER_COLUMNS:
        if name in columns:
            return name
    raise RuleViolation(
        f"The file needs a header row with a phone number column ({', '.join(NUMBER_COLUMNS)}).",
        field="file",
    )


def _parsed_rows(
    header: list[str], rows: list[tuple[int, list[str]]], report: ImportReport
) -> list[_Row]:
    column = number_column(header)
    parsed = []
    for line, values in rows:
        cells = dict(zip(header, (value.strip() for value in values), strict=False))
        raw = cells.pop(column, "")
        digits = cells.pop(SEND_DIGITS_COLUMN, "")
        try:
            number = call_rules.phone_number(raw, field="phone_number")
            digits = call_rules.send_digits(digits)
        except RuleViolation as exc:
            report.reject(line, raw, exc.message)
            continue
        variables = {name: value for name, value in cells.items() if name}
        parsed.append(_Row(line, raw, number, digits, variables))
    return parsed


def add_contact_rows(
    campaign_id: int, header: list[str], rows: list[tuple[int, list[str]]]
) -> ImportReport:
    """Add these rows of a file to the campaign, inside the caller's transaction;
    a number already in the campaign (from an earlier file or row) is rejected."""
    report = ImportReport()
    parsed = _parsed_rows(header, rows, report)
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    ensure_not_final(campaign, "it takes no more contacts.", field="file")
    numbers = [row.number for row in parsed]
    existing = set(
        campaign.contacts.filter(phone_number__in=numbers).values_list("phone_number", flat=True)
    )
    blocked = blocked_numbers(numbers)
    seen: dict[str, int] = {}
    new_contacts = []
    now = timezone.now()
    for row in parsed:
        if row.number in existing:
            report.reject(row.line, row.raw_number, f"{row.number} is already in the campaign.")
        elif row.number in seen:
            report.reject(
                row.line, row.raw_number, f"{row.number} repeats line {seen[row.number]}."
            )
        elif row.number in blocked:
            report.reject(row.line, row.raw_number, f"{row.number} is on the do-not-call list.")
        else:
            seen[row.number] = row.line
            new_contacts.append(
                Contact(
                    campaign=campaign,
                    phone_number=row.number,
                    time_zone=zone_for_number(row.number),
                    variables=row.variables,
                    send_digits=row.send_digits,
                    next_attempt_at=now,
                )
            )
    Contact.objects.bulk_create(new_contacts, batch_size=1000)
    report.imported = len(new_contacts)
    report.rejected.sort(key=lambda item: item["line"])
    return report


def import_contacts(campaign_id: int, text: str) -> ImportReport:
    """Add a small file's contacts at once, all or nothing, with the row report.
    An upload goes through `imports.upload_contacts` instead, in the background."""
    table = read_table(text, check_header=number_column)
    with transaction.atomic():
        return add_contact_rows(campaign_id, table.header, table.rows)
