"""Calls as CSV, from the API and from the admin's changelist, as the filters select them."""

import pytest
from django.test import Client

from calls.models import CallStatus
from tests.api.records import make_call, member_of
from tests.support.exports import csv_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    return [
        make_call(status=CallStatus.COMPLETED, to_number="+14155550111"),
        make_call(status=CallStatus.BUSY, to_number="+14155550122"),
        make_call(status=CallStatus.COMPLETED, to_number="+14155550133"),
    ]


def test_the_api_exports_the_calls_its_filters_select(viewer, calls):
    rows = csv_rows(viewer.get("/api/v1/calls/export/", {"status": "completed"}))

    assert sorted(row["to"] for row in rows) == ["+14155550111", "+14155550133"]
    assert {"sid", "from", "to", "status", "outcome", "duration"} <= set(rows[0])
    assert {row["sid"] for row in rows} == {calls[0].sid, calls[2].sid}


def test_a_bad_filter_is_a_400_and_a_user_without_a_role_gets_nothing(viewer, api_as, calls):
    refused = viewer.get("/api/v1/calls/export/", {"status": "ringingg"})

    assert (refused.status_code, list(refused.json())) == (400, ["status"])
    assert api_as(None).get("/api/v1/calls/export/").status_code == 403


def test_the_admin_link_exports_what_the_changelist_shows(calls):
    browser = Client()
    browser.force_login(member_of("Viewers", staff=True))

    page = browser.get("/admin/calls/call/", {"status__exact": "busy"})
    link = "/admin/calls/call/export/?status__exact=busy"
    rows = csv_rows(browser.get(link))

    assert f'href="{link}"' in page.content.decode()
    assert [row["to"] for row in rows] == ["+14155550122"]


def test_the_admin_export_needs_the_view_permission(calls):
    browser = Client()
    browser.force_login(member_of(None, staff=True))

    assert browser.get("/admin/calls/call/export/").status_code == 403


def test_an_admin_export_with_a_filter_the_list_lacks_is_refused(calls):
    browser = Client()
    browser.force_login(member_of("Viewers", staff=True))

    assert browser.get("/admin/calls/call/export/", {"no_such_column": "1"}).status_code == 400
