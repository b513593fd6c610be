"""End to end: a contacts file uploaded through the API is imported by a real
Celery worker on the configured broker, and its status URL follows it to done."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.support.processes import wait_until

from .factories import campaign

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ROWS = 2500  # three chunks


def test_a_worker_imports_an_uploaded_file_chunk_by_chunk(stack):
    user = User.objects.create_user("planner")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="campaigns"))
    api = APIClient()
    api.force_authenticate(user)
    target = campaign()
    lines = ["phone_number,first_name,plan"]
    lines += [f"+1212{5550000 + i:07d},Ann{i},gold" for i in range(ROWS)] + ["bad,Bob,gold"]
    file = SimpleUploadedFile("big.csv", "\n".join(lines).encode(), content_type="text/csv")
    accepted = api.post(
        f"/api/v1/campaigns/{target.pk}/contacts/upload/", {"file": file}, format="multipart"
    )
    assert accepted.status_code == 202
    status_url = accepted.json()["status_url"]
    status = wait_until(
        lambda: (body := api.get(status_url).json())["state"] == "done" and body,
        timeout=120,
        interval=0.5,
    )
    assert (status["rows"], status["processed"], status["imported"]) == (ROWS + 1, ROWS + 1, ROWS)
    assert [row["line"] for row in status["rejected"]] == [ROWS + 2]
    assert target.contacts.count() == ROWS
