"""Who may do what on the API: viewing, placing and changing live calls are
separate permissions, granted through the groups `migrate` creates."""

import pytest
from rest_framework.test import APIClient

from calls.models import Call, CallStatus, Redirect
from tests.api.records import make_call, make_redirect, member_of

PLACE = {"to": "+14155550123", "from": "+14155550100", "url": "https://flows.example.com/a"}

ENDPOINTS = {
    "list calls": ("get", "/api/v1/calls/", None),
    "show a call": ("get", "/api/v1/calls/{call}/", None),
    "place a call": ("post", "/api/v1/calls/", PLACE),
    "redirect": ("post", "/api/v1/calls/{call}/redirect/", {"url": "https://flows.example.com/b"}),
    "hang up": ("post", "/api/v1/calls/{call}/hangup/", {}),
    "cancel": ("post", "/api/v1/calls/{call}/cancel/", {}),
    "list redirects": ("get", "/api/v1/redirects/", None),
    "cancel a redirect": ("post", "/api/v1/redirects/{redirect}/cancel/", None),
}
READS = {"list calls", "show a call", "list redirects"}
WRITES = {"redirect", "hang up", "cancel", "cancel a redirect"}
SUCCESS = {"get": 200, "post": 202}


def expected(group: str | None, endpoint: str) -> int:
    method = ENDPOINTS[endpoint][0]
    allowed = {
        "Viewers": READS,
        "Integrations": READS | {"place a call"} | WRITES,
        "Supervisors": READS | {"place a call"} | WRITES,
        None: set(),
    }[group]
    if endpoint not in allowed:
        return 403
    return 200 if endpoint == "cancel a redirect" else SUCCESS[method]


def request(client: APIClient, endpoint: str):
    method, path, body = ENDPOINTS[endpoint]
    call = make_call(status=CallStatus.RINGING)
    redirect = make_redirect(call, trigger="at")
    url = path.format(call=call.sid, redirect=redirect.pk)
    return getattr(client, method)(url, body, format="json")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("group", ["Viewers", "Integrations", "Supervisors", None])
def test_each_group_gets_what_its_permissions_allow(api_as, group, endpoint):
    response = request(api_as(group), endpoint)

    assert response.status_code == expected(group, endpoint), response.content


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_is_asked_for_a_token(db, endpoint):
    response = request(APIClient(), endpoint)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_refused_changes_leave_no_trace(viewer):
    call = make_call()

    viewer.post("/api/v1/calls/", PLACE, format="json")
    viewer.post(f"/api/v1/calls/{call.pk}/hangup/", {}, format="json")

    assert Call.objects.count() == 1
    assert not Redirect.objects.exists()


def test_placing_does_not_imply_changing_live_calls(api_as):
    client = api_as(None, perms=["calls.view_call", "calls.place_call"])
    call = make_call()

    assert client.post("/api/v1/calls/", PLACE, format="json").status_code == 202
    refused = client.post(f"/api/v1/calls/{call.pk}/hangup/", {}, format="json")

    assert refused.status_code == 403
    assert not call.redirects.exists()


def test_a_logged_in_supervisor_uses_the_api_with_the_session(db):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(member_of("Supervisors", staff=True))
    make_call()

    assert client.get("/api/v1/calls/").status_code == 200
    # A session is a browser's: a change without the CSRF token is refused.
    assert client.post("/api/v1/calls/", PLACE, format="json").status_code == 403
