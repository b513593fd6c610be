"""Importing a campaign's contacts from CSV.

Every number is normalised to E.164 with the core's rule, so "(415) 555-1212"
and "+14155551212" are one contact; a row is dropped, with its line and reason
in the report, when its number is invalid, repeated, or on the do-not-call list.
Columns other than the number and SendDigits become the contact's variables.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from calls import rules as call_rules
from calls.exceptions import RuleViolation

from ..models import Campaign, Contact
from ..windows import zone_for_number
from .dnc import blocked_numbers
from .lifecycle import ensure_not_final

NUMBER_COLUMNS = ("phone_number", "phone", "number", "to")
SEND_DIGITS_COLUMN = "send_digits"
MAX_ROWS = 100_000


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


def _number_column(columns: list[str]) -> str:
    for name in NUMBER_COLUMNS:
        if name in columns:
            return name
    raise RuleViolation(
        f"The file needs a header row with a phone number column ({', '.join(NUMBER_COLUMNS)}).",
        field="file",
    )


def _parsed_rows(text: str, report: ImportReport) -> list[_Row]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in next(reader, [])]
    number_column = _number_column(header)
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if line > MAX_ROWS + 1:
            raise RuleViolation(f"At most {MAX_ROWS} contacts a file; split it.", field="file")
        cells = dict(zip(header, (value.strip() for value in values), strict=False))
        raw = cells.pop(number_column, "")
        digits = cells.pop(SEND_DIGITS_COLUMN, "")
        try:
            number = call_rules.phone_number(raw, field="phone_number")
            digits = call_rules.send_digits(digits)
        except RuleViolation as exc:
            report.reject(line, raw, exc.message)
            continue
        variables = {name: value for name, value in cells.items() if name}
        rows.append(_Row(line, raw, number, digits, variables))
    return rows


def import_contacts(campaign_id: int, text: str) -> ImportReport:
    """Add the file's contacts to the campaign; all or nothing per call, row report back."""
    report = ImportReport()
    rows = _parsed_rows(text, report)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        ensure_not_final(campaign, "it takes no more contacts.", field="file")
        numbers = [row.number for row in rows]
        existing = set(
            campaign.contacts.filter(phone_number__in=numbers).values_list(
                "phone_number", flat=True
            )
        )
        blocked = blocked_numbers(numbers)
        seen: dict[str, int] = {}
        new_contacts = []
        now = timezone.now()
        for row in rows:
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
