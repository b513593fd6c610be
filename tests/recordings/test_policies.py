"""Recording policies are set up in the admin and over the API with the same
checks: a refusal names the field and saves nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from queues.models import Queue
from recordings.models import RecordingPolicy

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

GOOD = {"name": "Payments", "mode": "agent", "announcement": "Recorded.", "retention_days": 30}
BAD = [
    ({"retention_days": 0}, "retention_days"),
    ({"retention_days": 5000}, "retention_days"),
    ({"mode": "always"}, "mode"),
    ({"mode": "off", "announcement": "Recorded."}, "announcement"),
    ({"name": ""}, "name"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_a_bad_policy_is_a_400_naming_the_field_over_the_api(api_as, change, field):
    answer = api_as("Integrations").post(
        "/api/v1/recording-policies/", {**GOOD, **change}, format="json"
    )

    assert answer.status_code == 400
    assert list(answer.json()) == [field]
    assert not RecordingPolicy.objects.exists()


@pytest.mark.parametrize(("change", "field"), BAD)
def test_a_bad_policy_is_a_form_error_on_the_field_in_the_admin(admin_as, change, field):
    answer = admin_as("Supervisors").post(
        reverse("admin:recordings_recordingpolicy_add"), {**GOOD, **change}
    )

    assert answer.status_code == 200
    assert field in answer.context["adminform"].form.errors
    assert not RecordingPolicy.objects.exists()


def test_a_policy_made_over_the_api_is_named_on_a_queue(api_as):
    integration = api_as("Integrations")
    policy = integration.post("/api/v1/recording-policies/", GOOD, format="json").json()
    queue = Queue.objects.create(name="Billing")

    answer = integration.patch(
        f"/api/v1/queues/{queue.pk}/", {"recording_policy": policy["id"]}, format="json"
    )

    assert answer.status_code == 200, answer.content
    assert Queue.objects.get(pk=queue.pk).recording_policy.name == "Payments"


def test_a_viewer_sees_policies_and_changes_none(api_as):
    viewer = api_as("Viewers")

    assert viewer.get("/api/v1/recording-policies/").status_code == 200
    assert viewer.post("/api/v1/recording-policies/", GOOD, format="json").status_code == 403
