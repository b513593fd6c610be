"""Campaigns and contacts for tests, made through the services like any user would."""

from __future__ import annotations

from datetime import time

from campaigns.models import Campaign
from campaigns.services import contacts, lifecycle


def campaign(**fields) -> Campaign:
    values = {
        "name": "Reminders",
        "caller_id": "+14155550100",
        "message": "Hello $first_name, your appointment is tomorrow.",
        "window_days": "1234567",
        "window_start": time(0, 0),
        "window_end": time(23, 59, 59),
        **fields,
    }
    return lifecycle.create_campaign(**values)


def with_contacts(target: Campaign, *rows: str, header: str = "phone_number,first_name") -> None:
    report = contacts.import_contacts(target.pk, "\n".join([header, *rows]))
    assert not report.rejected, report.rejected
