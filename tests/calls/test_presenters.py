"""How the product names a call to a person: its parties (numbers written the
international way, with the names the queues and campaigns know) and its time;
durations and moments written one way everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from callcenter import formats
from calls.models import Call
from calls.presenters import (
    attach_context,
    call_label,
    call_phrase,
    party_label,
    phone_number,
)
from tests.api.records import make_call
from tests.support.floor_records import (
    AGENT_NAME,
    CAMPAIGN_NAME,
    CONTACT_NAME,
    LINE_LABEL,
    QUEUE_NAME,
    a_busy_floor,
)


@pytest.mark.parametrize(
    ("seconds", "written"),
    [(None, "—"), (0, "0:00"), (5, "0:05"), (65, "1:05"), (3723, "1:02:03"), (59.9, "0:59")],
)
def test_a_duration_reads_as_a_clock(seconds, written):
    assert formats.duration(seconds) == written


def test_a_moment_is_local_and_leaves_out_the_current_year(settings):
    settings.TIME_ZONE = "Europe/Paris"
    this_year = timezone.now().year
    winter = dt.datetime(this_year, 11, 30, 13, 5, tzinfo=dt.UTC)
    long_ago = dt.datetime(this_year - 1, 11, 30, 13, 5, tzinfo=dt.UTC)

    assert formats.moment(winter) == "30 Nov 14:05"
    assert formats.moment(long_ago) == f"30 Nov {this_year - 1} 14:05"
    assert formats.clock(winter) == "14:05:00"
    assert formats.moment(None) == "—"


def test_a_moment_in_a_contacts_zone_and_a_time_of_today_read_the_same_way(settings):
    settings.TIME_ZONE = "Europe/Paris"
    this_year = timezone.now().year
    winter = dt.datetime(this_year, 11, 30, 13, 5, tzinfo=dt.UTC)

    assert formats.moment(winter, "America/New_York") == "30 Nov 08:05"
    assert formats.time_of_day(winter) == "14:05"


@pytest.mark.parametrize(
    ("count", "written"), [(0, "0 contacts"), (1, "1 contact"), (2, "2 contacts")]
)
def test_a_count_says_its_noun_in_the_plural_it_needs(count, written):
    assert formats.counted(count, "contact") == written
    assert formats.counted(count, "entry", "entries").endswith("entry" if count == 1 else "entries")


@pytest.mark.parametrize(
    ("number", "written"),
    [
        ("+14155550123", "+1 415-555-0123"),
        ("+442079460958", "+44 20 7946 0958"),
        ("+819012345678", "+81 90-1234-5678"),
        ("sip:ann@example.com", "sip:ann@example.com"),
        ("client:carol", "client:carol"),
        ("+12", "+12"),
    ],
)
def test_a_number_is_written_the_international_way(number, written):
    assert phone_number(number) == written


def test_a_call_in_a_sentence_is_named_by_its_far_side_and_its_agent():
    inbound = Call(direction="inbound", from_number="+14155550123", to_number="+14155550100")
    outbound = Call(direction="outbound-api", from_number="+14155550100", to_number="+12125550101")

    assert call_phrase(inbound, "Bob") == "the call from +1 415-555-0123 with Bob"
    assert call_phrase(outbound) == "the call to +1 212-555-0101"


def test_a_party_is_its_name_and_number_as_far_as_known():
    assert party_label("+14155550123", "Ann") == "Ann (+1 415-555-0123)"
    assert party_label("+14155550123") == "+1 415-555-0123"
    assert party_label("", "Ann") == "Ann"
    assert party_label("") == "unknown"


@pytest.mark.django_db
def test_a_call_is_named_by_its_parties_and_time_without_a_query(django_assert_num_queries):
    call = make_call(from_number="+14155550100", to_number="+442079460958")

    with django_assert_num_queries(0):
        named = str(call)

    assert named == f"+1 415-555-0100 → +44 20 7946 0958 · {formats.moment(call.created_at)}"
    assert call.sid not in named


@pytest.mark.django_db
def test_the_queues_and_campaigns_name_the_parties_they_know():
    floor = a_busy_floor(callers=1)

    attach_context([floor.answered, floor.leg, floor.dialed])

    when = formats.moment(floor.answered.created_at)
    assert call_label(floor.answered) == (
        f"+49 1512 3456789 → {LINE_LABEL} (+44 20 7946 0958) · {when}"
    )
    assert (floor.answered.context.agent, floor.answered.context.queue) == (
        AGENT_NAME,
        QUEUE_NAME,
    )
    assert f"→ {AGENT_NAME} (sip:" in call_label(floor.leg)
    assert call_label(floor.dialed).startswith(
        f"{CAMPAIGN_NAME} (+44 20 7946 0958) → {CONTACT_NAME} (+44 7700 900123) · "
    )
    assert floor.dialed.context.campaign == CAMPAIGN_NAME


@pytest.mark.django_db
def test_naming_a_whole_page_costs_one_query_per_app_that_knows_names(
    django_assert_num_queries,
):
    a_busy_floor(callers=10)
    calls = list(Call.objects.all())

    # our numbers and the queue stays (queues), the attempts (campaigns)
    with django_assert_num_queries(3):
        attach_context(calls)
    assert sum(AGENT_NAME in str(call) for call in calls) == 10  # each agent's leg
