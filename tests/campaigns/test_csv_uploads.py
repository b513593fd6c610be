"""CSV uploads (contacts and the do-not-call list): a file that is not CSV text,
or lacks its column, or is too long, is a 400 on `file` and queues nothing; a
good one is a 202 with a status URL, imported by a worker in chunks, its
progress and row report on that URL and in the admin."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.csv_files import MAX_CELL_CHARS, MAX_ROWS
from campaigns.models import Contact, CsvImport, DoNotCall, ImportState
from campaigns.services import contacts, imports, lifecycle

from .factories import campaign

pytestmark = pytest.mark.django_db

BAD_FILES = {
    "a NUL byte": ("phone_number,name\n+12125550101,A\x00nn\n", "NUL byte"),
    "an unterminated quote": ('phone_number,name\n+12125550101,"Ann\n+12125550102,Bob\n', "Line"),
    "a quote followed by text": ('phone_number,name\n+12125550101,"Ann"x\n', "Line 2"),
    "an oversized cell": (
        f"phone_number,name\n+12125550101,{'x' * (MAX_CELL_CHARS + 1)}\n",
        f"over {MAX_CELL_CHARS} characters",
    ),
    "a cell over the CSV reader's limit": (
        f"phone_number,name\n+12125550101,{'x' * 200_000}\n",
        "Line 2",
    ),
    "no phone column": ("name\nAnn\n", "column"),
    "too many rows": (
        "phone_number\n" + "".join(f"+1212{i:07d}\n" for i in range(MAX_ROWS + 1)),
        f"At most {MAX_ROWS:,} rows",
    ),
}


def upload(api, url: str, text: str):
    file = SimpleUploadedFile("list.csv", text.encode(), content_type="text/csv")
    return api.post(url, {"file": file}, format="multipart")


def contacts_url(target) -> str:
    return f"/api/v1/campaigns/{target.pk}/contacts/upload/"


@pytest.mark.parametrize("problem", BAD_FILES)
def test_a_bad_contacts_file_is_a_400_on_file_and_queues_nothing(api, problem):
    text, words = BAD_FILES[problem]
    refused = upload(api, contacts_url(campaign()), text)
    assert refused.status_code == 400, refused.content[:300]
    assert words in refused.json()["file"][0]
    assert not CsvImport.objects.exists()
    assert not Contact.objects.exists()


@pytest.mark.parametrize("problem", BAD_FILES)
def test_a_bad_do_not_call_file_is_a_400_on_file(api, problem):
    text, words = BAD_FILES[problem]
    text = text.replace("phone_number", "number")
    if problem == "no phone column":
        words = "'number' or 'prefix' column"
    refused = upload(api, "/api/v1/campaigns/do-not-call/upload/", text)
    assert refused.status_code == 400, refused.content[:300]
    assert words in refused.json()["file"][0]
    assert not CsvImport.objects.exists()
    assert not DoNotCall.objects.exists()


def test_a_contacts_upload_is_a_202_whose_status_url_shows_the_import(api, worker_at_commit):
    target = campaign()
    with worker_at_commit():
        accepted = upload(api, contacts_url(target), "phone_number\n2125550101\nbad\n")
    assert accepted.status_code == 202
    body = accepted.json()
    assert (body["state"], body["rows"], body["processed"]) == ("queued", 2, 0)
    assert accepted["Location"] == body["status_url"]
    assert body["status_url"].endswith(
        f"/api/v1/campaigns/{target.pk}/contacts/imports/{body['id']}/"
    )
    status = api.get(body["status_url"]).json()
    assert (status["state"], status["processed"], status["imported"]) == ("done", 2, 1)
    assert status["rejected"][0]["line"] == 3
    assert target.contacts.get().phone_number == "+12125550101"


def test_a_do_not_call_upload_is_a_202_whose_status_url_shows_the_import(api, worker_at_commit):
    with worker_at_commit():
        accepted = upload(api, "/api/v1/campaigns/do-not-call/upload/", "prefix\n+1900\n")
    assert accepted.status_code == 202
    status = api.get(accepted.json()["status_url"]).json()
    assert (status["state"], status["imported"]) == ("done", 1)
    assert DoNotCall.objects.get().value == "+1900"


def test_the_import_goes_chunk_by_chunk_and_resumes_where_it_stopped(monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    target = campaign()
    rows = ["2125550101", "2125550102", "nope", "2125550104", "2125550101"]
    job = imports.upload_contacts(target.pk, "phone\n" + "\n".join(rows))
    # A worker that handled the first chunk, then was killed.
    table = imports.read_table(job.text)
    assert imports._next_chunk(job.pk, table) is True
    job.refresh_from_db()
    assert (job.state, job.processed, job.percent_done) == (ImportState.RUNNING, 2, 40.0)
    imports.run_import(job.pk)
    job.refresh_from_db()
    assert (job.state, job.processed, job.imported) == (ImportState.DONE, 5, 3)
    assert [row["line"] for row in job.rejected] == [4, 6]
    assert "already in the campaign" in job.rejected[1]["reason"]
    assert target.contacts.count() == 3
    assert job.text == ""


def test_a_campaign_canceled_before_its_import_runs_fails_the_import_with_the_reason():
    target = campaign()
    contacts.import_contacts(target.pk, "phone\n2125550199\n")
    job = imports.upload_contacts(target.pk, "phone\n2125550101\n")
    lifecycle.start(target.pk)
    lifecycle.cancel(target.pk)
    imports.run_import(job.pk)
    job.refresh_from_db()
    assert job.state == ImportState.FAILED
    assert job.error == "The campaign is canceled; it takes no more contacts."
    assert target.contacts.count() == 1


def test_the_admin_upload_leads_to_the_imports_page_with_its_progress(admin_client):
    target = campaign()
    file = SimpleUploadedFile("c.csv", b"phone_number\n2125550101\nnope\n", "text/csv")
    answer = admin_client.post(
        reverse("admin:campaigns_campaign_upload", args=[target.pk]), {"file": file}, follow=True
    )
    text = answer.content.decode()
    assert "2 rows of c.csv are being imported in the background" in text
    assert "Queued" in text
    assert 'value="0.0"' in text
    job = CsvImport.objects.get()
    imports.run_import(job.pk)
    page = admin_client.get(reverse("admin:campaigns_csvimport_change", args=[job.pk]))
    text = page.content.decode()
    assert "Done" in text
    assert "<td>3</td><td>nope</td>" in text
    listing = admin_client.get(reverse("admin:campaigns_csvimport_changelist")).content.decode()
    assert 'value="100.0"' in listing


def test_the_admin_upload_shows_a_bad_file_on_the_form(admin_client):
    target = campaign()
    file = SimpleUploadedFile("c.csv", b'phone_number\n"2125550101\n', "text/csv")
    page = admin_client.post(
        reverse("admin:campaigns_campaign_upload", args=[target.pk]), {"file": file}
    )
    assert page.status_code == 200
    assert "is not valid CSV" in page.content.decode()
    assert not CsvImport.objects.exists()
