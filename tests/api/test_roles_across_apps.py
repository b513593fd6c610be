"""The three roles reach queues and campaigns too, not only calls."""

import pytest

READS = ["/api/v1/queues/", "/api/v1/agents/", "/api/v1/survey-responses/", "/api/v1/campaigns/"]


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("role", ["viewer", "integration", "supervisor"])
def test_every_role_reads_queues_and_campaigns(request, role, path):
    client = request.getfixturevalue(role)

    assert client.get(path).status_code == 200


def test_a_viewer_cannot_create_a_campaign_but_an_integration_can(viewer, integration):
    body = {"name": "Renewals", "caller_id": "+14155550100", "message": "Hello."}

    assert viewer.post("/api/v1/campaigns/", body, format="json").status_code == 403
    created = integration.post("/api/v1/campaigns/", body, format="json")
    assert created.status_code == 201, created.content
