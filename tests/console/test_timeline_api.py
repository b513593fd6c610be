"""`GET /api/v1/calls/{id}/timeline/`: the timeline of the call's admin page, as JSON."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.console.test_timeline import answered_caller, timeline_of  # noqa: F401  fixture
from tests.support.api_clients import api_as  # noqa: F401  fixture

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def timeline_url(reference) -> str:
    return f"/api/v1/calls/{reference}/timeline/"


def test_the_api_tells_the_same_story_as_the_admin_page(
    api_as,  # noqa: F811
    supervisor,
    answered_caller,  # noqa: F811
):
    call, leg = answered_caller

    response = api_as("Viewers").get(timeline_url(call.pk))

    assert response.status_code == 200
    body = response.json()
    page = supervisor.get(timeline_of(call)).context["timeline"]
    assert [moment["what"] for moment in body["moments"]] == [m.what for m in page.moments]
    assert (body["call"]["sid"], body["call"]["from"]) == (call.sid, "+14155550101")
    assert [each["sid"] for each in body["legs"]] == [leg.sid]
    by_what = {moment["what"]: moment for moment in body["moments"]}
    assert by_what["Survey answer: 4"]["kind"] == "survey"
    assert by_what["Left Support: connected"]["detail"] == "1 agent tried"
    assert by_what["Hang up: failed"]["tone"] == "bad"
    assert by_what["Hang up requested"]["who"] == supervisor.user.username
    assert by_what[f"Leg dialed to {leg.to_number}"]["leg"] == {"id": leg.pk, "sid": leg.sid}
    assert {moment["kind"] for moment in body["moments"]} == {
        "call",
        "event",
        "leg",
        "redirect",
        "action",
        "queue",
        "survey",
    }


def test_a_call_is_found_by_its_sid_too(api_as, answered_caller):  # noqa: F811
    call, _ = answered_caller

    by_sid = api_as("Viewers").get(timeline_url(call.sid))

    assert by_sid.status_code == 200
    assert by_sid.json()["call"]["id"] == call.pk


def test_who_may_not_see_calls_gets_no_timeline(api_as, answered_caller):  # noqa: F811
    call, _ = answered_caller

    assert APIClient().get(timeline_url(call.pk)).status_code == 401
    assert api_as(None).get(timeline_url(call.pk)).status_code == 403


def test_an_unknown_call_is_404(api_as, answered_caller):  # noqa: F811
    assert api_as("Viewers").get(timeline_url(999_999)).status_code == 404
    assert api_as("Viewers").get(timeline_url("CA" + "0" * 32)).status_code == 404


def test_the_schema_documents_the_timeline(client):
    schema = client.get(reverse("schema"), {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/calls/{id}/timeline/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Timeline"
    }
    moment = schema["components"]["schemas"]["Moment"]["properties"]
    assert {"at", "kind", "what", "detail", "who", "tone", "leg"} <= set(moment)
