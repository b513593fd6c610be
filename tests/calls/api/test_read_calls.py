"""GET /api/v1/calls/ with its filters and cursor pagination, and one call
(by SID or id) with its legs, events and redirects."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import Call, CallStatus, Direction
from tests.api.records import make_call, make_event, make_leg, make_redirect

CALLS = "/api/v1/calls/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [call["id"] for call in response.json()["results"]]


def test_newest_first(viewer):
    older, newer = make_call(), make_call()

    assert ids(viewer.get(CALLS)) == [newer.pk, older.pk]


class TestFilters:
    def test_by_status_one_or_several(self, viewer):
        ringing = make_call(status=CallStatus.RINGING)
        busy = make_call(status=CallStatus.BUSY)
        make_call(status=CallStatus.COMPLETED)

        assert ids(viewer.get(CALLS, {"status": "ringing"})) == [ringing.pk]
        assert ids(viewer.get(CALLS + "?status=ringing&status=busy")) == [busy.pk, ringing.pk]

    def test_by_direction(self, viewer):
        inbound = make_call(direction=Direction.INBOUND)
        make_call()

        assert ids(viewer.get(CALLS, {"direction": "inbound"})) == [inbound.pk]

    def test_by_number_in_any_format(self, viewer):
        to_sales = make_call(to_number="+14155551212", from_number="+14155550100")
        from_sales = make_call(to_number="+14155550100", from_number="+14155551212")

        assert ids(viewer.get(CALLS, {"to": "(415) 555-1212"})) == [to_sales.pk]
        assert ids(viewer.get(CALLS, {"from": "+1 415 555 1212"})) == [from_sales.pk]

    def test_legs_of_a_call_by_its_sid_or_id(self, viewer):
        parent = make_call()
        leg = make_leg(parent)
        make_leg(make_call())

        assert ids(viewer.get(CALLS, {"parent": parent.sid})) == [leg.pk]
        assert ids(viewer.get(CALLS, {"parent": parent.pk})) == [leg.pk]

    def test_by_creation_range(self, viewer):
        now = timezone.now()
        calls = [make_call() for _ in range(3)]
        for days_ago, call in zip((3, 2, 1), calls, strict=True):
            Call.objects.filter(pk=call.pk).update(created_at=now - timedelta(days=days_ago))

        window = {
            "created_after": (now - timedelta(days=2, hours=1)).isoformat(),
            "created_before": (now - timedelta(days=1, hours=1)).isoformat(),
        }
        assert ids(viewer.get(CALLS, window)) == [calls[1].pk]

    @pytest.mark.parametrize(
        "query, field",
        [
            ({"status": "on-hold"}, "status"),
            ({"direction": "sideways"}, "direction"),
            ({"to": "not a number"}, "to"),
            ({"created_after": "yesterday"}, "created_after"),
            ({"parent": "CA123"}, "parent"),
        ],
    )
    def test_a_bad_filter_is_a_400_naming_it(self, viewer, query, field):
        response = viewer.get(CALLS, query)

        assert response.status_code == 400
        assert field in response.json()


def test_cursor_pages_walk_every_call_once_even_while_calls_arrive(viewer):
    calls = [make_call() for _ in range(5)]
    seen, url = [], CALLS + "?page_size=2"

    while url:
        page = viewer.get(url).json()
        seen += [call["id"] for call in page["results"]]
        url = page["next"]
        make_call()  # a new call does not shift the pages already handed out

    assert seen[:5] == [call.pk for call in reversed(calls)]
    assert len(seen) == len(set(seen))


def test_the_list_costs_the_same_queries_for_many_calls(viewer, django_assert_max_num_queries):
    for _ in range(30):
        make_leg(make_call())

    with django_assert_max_num_queries(4):
        response = viewer.get(CALLS, {"page_size": 100})

    assert len(response.json()["results"]) == 60


class TestOneCall:
    @pytest.fixture
    def call(self):
        call = make_call(status=CallStatus.COMPLETED)
        leg = make_leg(call, status=CallStatus.COMPLETED)
        for sequence, status in enumerate(["initiated", "ringing", "in-progress", "completed"]):
            make_event(call, status, sequence)
        make_event(leg, "completed", 0)
        make_redirect(call, state="done", requested_by=None)
        return call

    @pytest.mark.parametrize("reference", ["sid", "pk"])
    def test_by_sid_or_id_with_legs_events_and_redirects(self, viewer, call, reference):
        response = viewer.get(f"{CALLS}{getattr(call, reference)}/")

        assert response.status_code == 200
        body = response.json()
        assert body["sid"] == call.sid
        assert [leg["parent_sid"] for leg in body["legs"]] == [call.sid]
        assert [event["call_status"] for event in body["events"]] == [
            "initiated",
            "ringing",
            "in-progress",
            "completed",
        ]
        assert [redirect["url"] for redirect in body["redirects"]] == [
            "https://flows.example.com/survey"
        ]

    def test_in_a_fixed_number_of_queries(self, viewer, call, django_assert_max_num_queries):
        for _ in range(3):
            make_leg(call)
            make_redirect(call, requested_by=viewer.user)

        # token, the user's permissions (2), the call, its legs, events and redirects
        with django_assert_max_num_queries(7):
            assert viewer.get(f"{CALLS}{call.sid}/").status_code == 200

    @pytest.mark.parametrize("reference", ["CA" + "0" * 32, "999999", "CAnotasid", "-1"])
    def test_an_unknown_call_is_a_404(self, viewer, call, reference):
        assert viewer.get(f"{CALLS}{reference}/").status_code == 404
