"""CSV import: E.164, dedupe, do-not-call, and a reason for every rejected row."""

import pytest

from campaigns.models import ImportState
from campaigns.services import contacts, dnc, imports

from .factories import campaign

pytestmark = pytest.mark.django_db

CSV = """phone_number,first_name,send_digits
(212) 555-0101,Ann,
+1 212 555 0101,Ann again,
212-555-0102,Bob,ww12#
not a phone,Carl,
+1900555 0103,Dan,
+14155550104,Eve,12x
+442071234567,Fay,
"""


def test_import_normalises_dedupes_drops_dnc_and_reports_each_rejected_row():
    dnc.add_entry("+1900", is_prefix=True, reason="premium numbers")
    target = campaign()
    report = contacts.import_contacts(target.pk, CSV)
    assert report.imported == 3
    assert [(row["line"], row["phone_number"]) for row in report.rejected] == [
        (3, "+1 212 555 0101"),
        (5, "not a phone"),
        (6, "+1900555 0103"),
        (7, "+14155550104"),
    ]
    reasons = [row["reason"] for row in report.rejected]
    assert "repeats line 2" in reasons[0]
    assert "not a phone number" in reasons[1]
    assert "do-not-call" in reasons[2]
    assert "SendDigits" in reasons[3]
    saved = {c.phone_number: c for c in target.contacts.all()}
    assert set(saved) == {"+12125550101", "+12125550102", "+442071234567"}
    assert saved["+12125550101"].variables == {"first_name": "Ann"}
    assert saved["+12125550102"].send_digits == "ww12#"
    assert saved["+12125550101"].time_zone == "America/New_York"
    assert saved["+442071234567"].time_zone == "Europe/London"


def test_a_number_already_in_the_campaign_is_reported_on_a_second_import():
    target = campaign()
    contacts.import_contacts(target.pk, "phone\n+12125550101\n")
    report = contacts.import_contacts(target.pk, "phone\n212 555 0101\n")
    assert report.imported == 0
    assert "already in the campaign" in report.rejected[0]["reason"]


def test_a_file_without_a_number_column_is_refused_whole():
    target = campaign()
    with pytest.raises(Exception, match="phone number column"):
        contacts.import_contacts(target.pk, "name\nAnn\n")
    assert not target.contacts.exists()


def test_dnc_prefix_and_exact_entries_are_normalised_and_matched():
    dnc.add_entry("(212) 555-0199")
    dnc.add_entry("+44 20", is_prefix=True)
    assert dnc.blocking_entry("+12125550199") is not None
    assert dnc.blocking_entry("+442071234567") is not None
    assert dnc.blocking_entry("+12125550100") is None
    assert dnc.blocked_numbers(["+12125550199", "+442071234567", "+33142685300"]) == {
        "+12125550199",
        "+442071234567",
    }


def test_dnc_csv_import_counts_added_repeated_and_rejected_entries(worker_at_commit):
    dnc.add_entry("+12125550199")
    with worker_at_commit():
        job = imports.upload_do_not_call(
            "number,prefix,reason\n+12125550199,,\n,+1900,premium\nxx,,\n"
        )
    job.refresh_from_db()
    assert (job.state, job.imported, job.already_listed) == (ImportState.DONE, 1, 1)
    assert job.rejected[0]["line"] == 4
