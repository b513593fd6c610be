"""Campaign contacts and their attempts over the API, filtered by outcome."""

import json

import pytest
from rest_framework.test import APIClient

from calls.models import CallStatus, Outcome
from tests.api.records import member_of
from tests.support.exports import csv_rows

from .test_dialer import dial, end_call, running

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def dialed():
    """A campaign whose first contact was busy then answered, and the second never picked up."""
    target = running("+12125550101", "+12125550102", busy_retry_delay=60)
    first = dial(target).call
    second = dial(target).call
    end_call(first, CallStatus.BUSY)
    end_call(second, CallStatus.NO_ANSWER)
    target.contacts.filter(phone_number="+12125550101").update(next_attempt_at=first.created_at)
    again = dial(target).call
    end_call(again, CallStatus.COMPLETED, Outcome.ANSWERED_HUMAN)
    return target, first, again


def test_each_contact_lists_its_attempts_with_time_outcome_and_call(api, dialed):
    target, first, again = dialed

    rows = api.get(f"/api/v1/campaigns/{target.pk}/contacts/").json()["results"]

    ann = next(row for row in rows if row["phone_number"] == "+12125550101")
    assert [(a["number"], a["outcome"], a["call_sid"]) for a in ann["attempt_history"]] == [
        (1, "busy", first.sid),
        (2, "answered-human", again.sid),
    ]
    assert all(a["created_at"] for a in ann["attempt_history"])


def test_contacts_and_attempts_are_filtered_by_outcome(api, dialed):
    target, _, _ = dialed
    url = f"/api/v1/campaigns/{target.pk}"

    reached = api.get(f"{url}/contacts/", {"outcome": "answered-human"}).json()["results"]
    unreached = api.get(f"{url}/contacts/", {"outcome": ["busy", "no-answer"]}).json()
    busy = api.get(f"{url}/attempts/", {"outcome": "busy"}).json()["results"]
    every = api.get(f"{url}/attempts/").json()

    assert [row["phone_number"] for row in reached] == ["+12125550101"]
    assert [row["phone_number"] for row in unreached["results"]] == ["+12125550102"]
    assert [(row["phone_number"], row["number"]) for row in busy] == [("+12125550101", 1)]
    assert every["count"] == 3


@pytest.mark.parametrize("path", ["contacts", "attempts"])
def test_an_unknown_outcome_is_a_400_naming_it(api, dialed, path):
    target, _, _ = dialed

    refused = api.get(f"/api/v1/campaigns/{target.pk}/{path}/", {"outcome": "answred"})

    assert refused.status_code == 400
    assert list(refused.json()) == ["outcome"]


def test_viewers_read_attempts_and_others_do_not(dialed):
    target, _, _ = dialed
    viewer, nobody = APIClient(), APIClient()
    viewer.force_authenticate(member_of("Viewers"))
    nobody.force_authenticate(member_of(None))

    assert viewer.get(f"/api/v1/campaigns/{target.pk}/attempts/").status_code == 200
    assert nobody.get(f"/api/v1/campaigns/{target.pk}/attempts/").status_code == 403


def test_contacts_export_as_csv_with_their_filters(api, dialed):
    target, first, _ = dialed

    rows = csv_rows(
        api.get(f"/api/v1/campaigns/{target.pk}/contacts/export/", {"outcome": "answered-human"})
    )
    refused = api.get(f"/api/v1/campaigns/{target.pk}/contacts/export/", {"outcome": "x"})

    assert [row["phone_number"] for row in rows] == ["+12125550101"]
    attempts = json.loads(rows[0]["attempt_history"])
    assert [(a["number"], a["call_sid"]) for a in attempts[:1]] == [(1, first.sid)]
    assert (refused.status_code, list(refused.json())) == (400, ["outcome"])


def test_the_contacts_changelist_exports_its_filtered_rows(
    admin_client, dialed, django_assert_max_num_queries
):
    query = "outcome__exact=no-answer"

    page = admin_client.get(f"/admin/campaigns/contact/?{query}").content.decode()
    with django_assert_max_num_queries(8):  # not one more per contact or attempt
        every = csv_rows(admin_client.get("/admin/campaigns/contact/export/"))
    rows = csv_rows(admin_client.get(f"/admin/campaigns/contact/export/?{query}"))

    assert f'href="/admin/campaigns/contact/export/?{query}"' in page
    assert len(every) == 2
    assert [(row["phone_number"], row["outcome"]) for row in rows] == [
        ("+12125550102", "no-answer")
    ]
