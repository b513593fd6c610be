"""The campaigns API: CRUD, moves with 409 on illegal ones, uploads with reports, DNC, stats."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from queues.models import Queue

pytestmark = pytest.mark.django_db

CAMPAIGN = {
    "name": "Flu shots",
    "caller_id": "415 555 0100",
    "message": "Hello $first_name",
    "window_days": "1234567",
    "window_start": "00:00",
    "window_end": "23:59:59",
    "calls_per_second": "2",
}


def upload(api, campaign_id: int, text: str):
    file = SimpleUploadedFile("contacts.csv", text.encode(), content_type="text/csv")
    return api.post(
        f"/api/v1/campaigns/{campaign_id}/contacts/upload/", {"file": file}, format="multipart"
    )


def test_create_upload_start_pause_and_read_stats(api, worker_at_commit):
    created = api.post("/api/v1/campaigns/", CAMPAIGN, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["state"], body["caller_id"]) == ("draft", "+14155550100")
    with worker_at_commit():
        queued = upload(api, body["id"], "phone_number,first_name\n2125550101,Ann\nbad,Bob\n")
    assert queued.status_code == 202
    report = api.get(queued.json()["status_url"]).json()
    assert report["imported"] == 1
    assert report["rejected"][0]["line"] == 3
    assert api.post(f"/api/v1/campaigns/{body['id']}/start/").json()["state"] == "running"
    assert api.post(f"/api/v1/campaigns/{body['id']}/pause/").json()["state"] == "paused"
    stats = api.get(f"/api/v1/campaigns/{body['id']}/stats/").json()
    assert (stats["total"], stats["waiting"], stats["percent_done"]) == (1, 1, 0.0)


def test_an_illegal_move_is_a_409_with_the_reason(api):
    campaign_id = api.post("/api/v1/campaigns/", CAMPAIGN, format="json").json()["id"]
    refused = api.post(f"/api/v1/campaigns/{campaign_id}/pause/")
    assert refused.status_code == 409
    assert "Cannot pause a campaign that is draft" in refused.json()["detail"]


def test_a_wrong_setting_is_a_400_on_its_field_and_nothing_is_saved(api):
    refused = api.post("/api/v1/campaigns/", {**CAMPAIGN, "timeout": 700}, format="json")
    assert refused.status_code == 400
    assert "timeout" in refused.json()
    assert api.get("/api/v1/campaigns/").json()["count"] == 0


def test_dnc_entries_through_the_api(api):
    added = api.post(
        "/api/v1/campaigns/do-not-call/", {"value": "+1900", "is_prefix": True}, format="json"
    )
    assert added.status_code == 201
    assert api.get("/api/v1/campaigns/do-not-call/").json()["results"][0]["value"] == "+1900"
    refused = api.post("/api/v1/campaigns/do-not-call/", {"value": "nope"}, format="json")
    assert refused.status_code == 400


def test_without_permission_the_api_refuses(api):
    stranger = APIClient()
    stranger.force_authenticate(User.objects.create_user("viewer"))
    assert stranger.get("/api/v1/campaigns/").status_code == 403


@pytest.mark.parametrize("method", ["patch", "put"])
def test_renaming_to_a_name_in_use_is_a_400_on_name_and_changes_nothing(api, method):
    api.post("/api/v1/campaigns/", CAMPAIGN, format="json")
    other = api.post("/api/v1/campaigns/", {**CAMPAIGN, "name": "Reminders"}, format="json")
    url = f"/api/v1/campaigns/{other.json()['id']}/"
    body = {"name": "Flu shots"} if method == "patch" else {**CAMPAIGN, "max_concurrent_calls": 3}
    refused = getattr(api, method)(url, body, format="json")
    assert refused.status_code == 400
    assert "exists already" in refused.json()["name"][0]
    assert (api.get(url).json()["name"], api.get(url).json()["max_concurrent_calls"]) == (
        "Reminders",
        10,
    )


def test_creating_with_a_name_in_use_is_a_400_on_name(api):
    api.post("/api/v1/campaigns/", CAMPAIGN, format="json")
    refused = api.post("/api/v1/campaigns/", CAMPAIGN, format="json")
    assert refused.status_code == 400
    assert list(refused.json()) == ["name"]


@pytest.mark.parametrize(
    ("field", "words"),
    [("calls_per_secnd", "Unknown field"), ("state", "Read-only field"), ("id", "Read-only")],
)
@pytest.mark.parametrize("method", ["post", "patch"])
def test_unknown_and_read_only_fields_are_refused_by_name(api, field, words, method):
    created = api.post("/api/v1/campaigns/", {**CAMPAIGN, "name": "Kept"}, format="json").json()
    url = "/api/v1/campaigns/" if method == "post" else f"/api/v1/campaigns/{created['id']}/"
    refused = getattr(api, method)(url, {**CAMPAIGN, field: "running"}, format="json")
    assert refused.status_code == 400
    assert words in refused.json()[field][0]
    assert [row["name"] for row in api.get("/api/v1/campaigns/").json()["results"]] == ["Kept"]


def test_an_agent_campaign_without_its_queue_is_a_400_on_queue_and_nothing_is_saved(api):
    refused = api.post("/api/v1/campaigns/", {**CAMPAIGN, "content_kind": "agent"}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()) == ["queue"]
    assert "needs its queue" in refused.json()["queue"][0]
    assert api.get("/api/v1/campaigns/").json()["count"] == 0
    queue = Queue.objects.create(name="Sales")
    agent = {**CAMPAIGN, "content_kind": "agent", "queue": queue.pk}
    accepted = api.post("/api/v1/campaigns/", agent, format="json")
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["queue"] == queue.pk
