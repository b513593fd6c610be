"""The admin index as the dashboard: figures and chart series against a hand count of
rows made through the services, and the choice of days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import CallStatus, Direction, Outcome
from campaigns.services import lifecycle
from queues import services
from tests.api.records import make_call
from tests.campaigns import factories
from tests.queues.agent_day import agents_day
from tests.queues.test_figures import answered_after

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

INDEX = reverse("admin:index")


def outbound(status: str, **fields):
    return make_call(direction=Direction.OUTBOUND_API, status=status, **fields)


@pytest.fixture
def todays_calls(queue, caller, make_agent, survey):
    """Three callers (answered after 10 s and 30 s, one abandoned), two ratings,
    four outbound calls (a person, a machine, busy, no answer) and a campaign."""
    ann, bob = make_agent("Ann"), make_agent("Bob")
    quick = answered_after(caller("+14155550101"), ann, 10)
    slow = answered_after(caller("+14155550102"), bob, 30)
    gone = caller("+14155550103")
    gone.call.status = CallStatus.COMPLETED
    gone.call.save()
    services.record_call_ended(gone.call)
    rating = survey.questions.get(position=1)
    services.record_survey_answer(quick.call, rating, "4")
    services.record_survey_answer(slow.call, rating, "5")
    outbound(CallStatus.COMPLETED, answered_by="human", outcome=Outcome.ANSWERED_HUMAN)
    outbound(CallStatus.COMPLETED, answered_by="machine_end_beep", outcome=Outcome.ANSWERED_MACHINE)
    outbound(CallStatus.BUSY)
    outbound(CallStatus.NO_ANSWER)
    campaign = factories.campaign(name="Renewals")
    factories.with_contacts(campaign, "+14155550171,Ada", "+14155550172,Grace")
    lifecycle.start(campaign.pk)
    return {"ann": ann, "bob": bob}


def test_todays_figures_match_a_hand_count(supervisor, todays_calls):
    response = supervisor.get(INDEX)

    assert response.status_code == 200
    tiles = {tile.key: (tile.value, tile.note) for tile in response.context["tiles"]}
    assert tiles == {
        "calls-in": ("3", "2 answered by an agent"),
        "calls-out": ("4", "2 answered, 1 by a person"),
        "machines": ("1", "1 message left, 0 hung up on"),
        "speed": ("20 s", "over 2 callers answered"),
        "abandoned": ("33%", "1 of 3 callers"),
        "service-level": ("33%", "1 of 3 within each queue's target"),
        "overflowed": ("0", "0 of 3 callers"),
        "ended-by-supervisor": ("0", "0 of 3 callers"),
        "transferred": ("0", "of 2 callers answered"),
        "survey": ("4.5 / 5", "2 ratings"),
    }
    [support] = response.context["dashboard"].queues
    waits = support.waits
    assert (support.name, waits.callers, waits.answered, waits.abandoned) == ("Support", 3, 2, 1)
    page = response.content.decode()
    assert "Figures for " in page and "4.5 / 5" in page
    assert 'id="dashboard-charts"' in page and "console/vendor/chart.umd.js" in page


def series(chart: dict) -> dict[str, list]:
    return {dataset["key"]: dataset["data"] for dataset in chart["datasets"]}


def test_chart_series_count_the_same_calls(supervisor, todays_calls):
    charts = supervisor.get(INDEX).context["dashboard"].charts

    calls = series(charts["calls"])
    assert len(charts["calls"]["labels"]) == 24
    hour = timezone.localtime().hour
    # Inbound callers are answered by the queue's greeting; outbound: one person.
    assert {key: values[hour] for key, values in calls.items()} == {
        "machine": 1,
        "answered": 4,
        "busy": 1,
        "no-answer": 1,
        "failed": 0,
        "live": 0,
    }
    assert sum(sum(values) for values in calls.values()) == 7

    waits = series(charts["waits"])
    assert charts["waits"]["labels"][:4] == [
        "under 10 s",
        "10 s to 20 s",
        "20 s to 30 s",
        "30 s to 1 min",
    ]
    assert waits["connected"] == [0, 1, 0, 1, 0, 0, 0]
    assert waits["abandoned"] == [1, 0, 0, 0, 0, 0, 0]

    assert charts["campaigns"]["labels"] == ["Renewals"]
    assert series(charts["campaigns"])["waiting"] == [2]

    assert charts["agents"]["labels"] == ["Ann", "Bob"]
    assert series(charts["agents"])["average"] == [4.0, 5.0]
    assert charts["agents"]["answers"] == [1, 1]


def test_a_range_of_days_is_charted_per_day(supervisor, todays_calls):
    today = timezone.localdate()
    week_ago = today - dt.timedelta(days=6)

    response = supervisor.get(INDEX, {"since": week_ago.isoformat(), "until": today.isoformat()})

    dashboard = response.context["dashboard"]
    assert (dashboard.period.since, dashboard.period.until) == (week_ago, today)
    assert len(dashboard.charts["calls"]["labels"]) == 7
    assert series(dashboard.charts["calls"])["answered"] == [0, 0, 0, 0, 0, 0, 4]
    assert dashboard.all_queues.waits.callers == 3


def test_days_without_calls_show_empty_charts(supervisor, todays_calls):
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()

    response = supervisor.get(INDEX, {"since": yesterday, "until": yesterday})

    dashboard = response.context["dashboard"]
    assert dashboard.calls.calls_in == 0 and dashboard.queues == []
    assert dashboard.charts["calls"]["empty"] and dashboard.charts["agents"]["empty"]
    # The running campaign is shown whatever the day.
    assert not dashboard.charts["campaigns"]["empty"]
    assert "No call in this period." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"since": "2025-03-07", "until": "2025-03-01"}, "The last day comes before the first."),
        ({"since": "2025-01-01", "until": "2025-12-31"}, "Choose at most 92 days at a time."),
        ({"since": "yesterday"}, "Enter a valid date."),
    ],
)
def test_a_wrong_choice_of_days_is_refused_with_the_reason(supervisor, query, error):
    response = supervisor.get(INDEX, query)

    assert response.status_code == 400
    assert "dashboard" not in response.context
    assert error in response.content.decode()


def test_staff_who_may_not_see_calls_get_the_plain_index(admin_as):
    response = admin_as(None).get(INDEX)

    assert response.status_code == 200
    assert "dashboard" not in response.context and "period_form" not in response.context
    assert "Live board" not in response.content.decode()


def test_the_agents_table_shows_talk_hold_and_wrap_up_per_agent(supervisor, caller, make_agent):
    day = agents_day(caller, make_agent)

    response = supervisor.get(INDEX, {"since": day, "until": day})

    assert response.status_code == 200
    table = {row.name: row.cells for row in response.context["agent_rows"]}
    assert table == {"Ann": ("1", "2:00", "0:20", "0:30")}
    page = response.content.decode()
    assert "<caption>Agents</caption>" in page
    cells = "".join(f'<td class="elapsed">{cell}</td>' for cell in ("1", "2:00", "0:20", "0:30"))
    assert f'<th scope="row">Ann</th>{cells}' in page
    today = supervisor.get(INDEX)
    assert today.context["agent_rows"] == []
    assert "No agent took a call in this period." in today.content.decode()
