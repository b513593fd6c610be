"""The dashboard's figures and chart series for a period.

Every figure is defined and computed by `queues.figures`: a queue's figures are
its days' counts (`daily_figures`) added up, and all queues' the queues'
counts added up, with the rates computed from the sums, so the dashboard, the
API and the queues' own pages always agree. Calls, waits and campaign counts
are each one grouped query over the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    Count,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from calls.models import Call, CallStatus
from campaigns.models import Campaign, CampaignState, ContactOutcome
from campaigns.selectors import Progress, campaign_progress
from queues import figures
from queues.figures import AgentFigures, CallCounts, Ratings, Waits
from queues.models import EntryOutcome, Queue, QueueEntry, SurveyResponse

from ..periods import Period

# Outcome of a call in the "calls per hour" chart: (key, label, condition), first match wins.
CALL_OUTCOMES: list[tuple[str, str, Q]] = [
    ("machine", "Answering machine", figures.MACHINE_ANSWER),
    ("answered", "Answered", figures.ANSWERED_CALL),
    ("busy", "Busy", Q(status=CallStatus.BUSY)),
    ("no-answer", "No answer", Q(status=CallStatus.NO_ANSWER)),
    ("failed", "Failed or canceled", Q(status__in=[CallStatus.FAILED, CallStatus.CANCELED])),
]
NOT_ENDED = ("live", "Not ended yet")

# Upper bounds (seconds) of the wait distribution's bars; the last bar is open-ended.
WAIT_LIMITS = (10, 20, 30, 60, 120, 300)
WAIT_OUTCOMES = [
    (EntryOutcome.CONNECTED, figures.ANSWERED.label),
    (EntryOutcome.ABANDONED, figures.ABANDONED.label),
    (EntryOutcome.OVERFLOWED, figures.OVERFLOWED.label),
    (EntryOutcome.ENDED_BY_SUPERVISOR, figures.ENDED_BY_SUPERVISOR.label),
    (EntryOutcome.TRANSFERRED, figures.TRANSFERRED.label),
]
ACTIVE_CAMPAIGN_STATES = (CampaignState.RUNNING, CampaignState.PAUSED)


@dataclass(frozen=True)
class QueueRow:
    """One queue's (or all queues') figures over the period."""

    name: str
    waits: Waits
    service_level_seconds: int | None = None


@dataclass(frozen=True)
class CampaignRow:
    campaign: Campaign
    progress: Progress


@dataclass(frozen=True)
class Dashboard:
    period: Period
    calls: CallCounts
    queues: list[QueueRow]
    all_queues: QueueRow
    ratings: Ratings
    campaigns: list[CampaignRow]
    agents: list[AgentFigures] = field(default_factory=list)
    charts: dict[str, dict] = field(default_factory=dict)


def dashboard(period: Period) -> Dashboard:
    per_queue, all_queues = queue_figures(period)
    ratings = _ratings(period)
    campaigns = campaign_rows(period)
    return Dashboard(
        period=period,
        calls=figures.call_counts(_calls(period)),
        queues=per_queue,
        all_queues=all_queues,
        ratings=figures.ratings_given(ratings),
        campaigns=campaigns,
        agents=figures.agent_figures(period.since, period.until),
        charts={
            "calls": calls_by_outcome(period),
            "waits": wait_distribution(period),
            "campaigns": campaign_chart(campaigns),
            "agents": survey_by_agent(ratings),
        },
    )


# Figures -------------------------------------------------------------------------------


def _calls(period: Period) -> QuerySet[Call]:
    """Calls (not their legs) created in the period."""
    return Call.objects.filter(
        parent__isnull=True, created_at__gte=period.start, created_at__lt=period.end
    )


def queue_figures(period: Period) -> tuple[list[QueueRow], QueueRow]:
    """Each queue with a wait ended in the period, and all queues together."""
    per_queue: list[QueueRow] = []
    for queue in Queue.objects.order_by("name"):
        days = figures.daily_figures(queue, period.since, period.until)
        if days:
            waits = sum((day.waits for day in days), Waits())
            per_queue.append(QueueRow(queue.name, waits, queue.service_level_seconds))
    return per_queue, QueueRow("All queues", sum((row.waits for row in per_queue), Waits()))


def _ratings(period: Period) -> QuerySet[SurveyResponse]:
    """Answers given in the period, after queue calls and campaign calls alike."""
    return SurveyResponse.objects.filter(created_at__gte=period.start, created_at__lt=period.end)


def campaign_rows(period: Period) -> list[CampaignRow]:
    """Campaigns running or paused now, and those that dialed during the period."""
    dialed = Q(
        contacts__attempt_set__created_at__gte=period.start,
        contacts__attempt_set__created_at__lt=period.end,
    )
    campaigns = (
        Campaign.objects.filter(dialed | Q(state__in=ACTIVE_CAMPAIGN_STATES))
        .distinct()
        .order_by("name")
    )
    return [CampaignRow(campaign, campaign_progress(campaign)) for campaign in campaigns]


# Charts: Chart.js `data` objects (labels and datasets); the page picks the colours by key.


def calls_by_outcome(period: Period) -> dict:
    """Calls per hour of the day (one day) or per day (a range), stacked by outcome."""
    tz = timezone.get_current_timezone()
    bucket = Case(
        *(When(condition, then=Value(key)) for key, _, condition in CALL_OUTCOMES),
        default=Value(NOT_ENDED[0]),
        output_field=CharField(),
    )
    if period.is_one_day:
        slot = TruncHour("created_at", tzinfo=tz)
        slots = [dt.datetime.combine(period.since, dt.time(hour), tzinfo=tz) for hour in range(24)]
        labels = [f"{moment:%H}:00" for moment in slots]
    else:
        slot = TruncDate("created_at", tzinfo=tz)
        slots = period.days
        labels = [f"{day:%a %-d %b}" for day in slots]
    counts = {
        (_slot_key(row["slot"]), row["bucket"]): row["n"]
        for row in _calls(period)
        .annotate(slot=slot, bucket=bucket)
        .values("slot", "bucket")
        .annotate(n=Count("id"))
        .order_by()
    }
    keys = [_slot_key(each) for each in slots]
    return _chart(
        labels,
        [(key, label) for key, label, _ in CALL_OUTCOMES] + [NOT_ENDED],
        lambda outcome_key: [counts.get((key, outcome_key), 0) for key in keys],
    )


def _slot_key(moment: dt.date | dt.datetime) -> tuple:
    """Comparable key of an hour or a day, whatever zone the database answered in."""
    if isinstance(moment, dt.datetime):
        local = timezone.localtime(moment)
        return (local.date(), local.hour)
    return (moment, None)


def wait_distribution(period: Period) -> dict:
    """How long callers waited on hold before their wait ended, in bands, by outcome."""
    band = Case(
        *(
            When(wait__lt=dt.timedelta(seconds=limit), then=Value(index))
            for index, limit in enumerate(WAIT_LIMITS)
        ),
        default=Value(len(WAIT_LIMITS)),
        output_field=IntegerField(),
    )
    counts = {
        (row["outcome"], row["band"]): row["n"]
        for row in QueueEntry.objects.filter(
            figures.WAIT_ENDED, enqueued_at__gte=period.start, enqueued_at__lt=period.end
        )
        .annotate(wait=figures.WAIT)
        .annotate(band=band)
        .values("outcome", "band")
        .annotate(n=Count("id"))
        .order_by()
    }
    bands = range(len(WAIT_LIMITS) + 1)
    return _chart(
        _wait_labels(),
        WAIT_OUTCOMES,
        lambda outcome: [counts.get((outcome, index), 0) for index in bands],
    )


def _wait_labels() -> list[str]:
    def text(seconds: int) -> str:
        return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min"

    lower = (0, *WAIT_LIMITS)
    labels = [f"{text(low)} to {text(high)}" for low, high in zip(lower, WAIT_LIMITS, strict=False)]
    return [f"under {text(WAIT_LIMITS[0])}", *labels[1:], f"{text(WAIT_LIMITS[-1])} or more"]


def campaign_chart(rows: list[CampaignRow]) -> dict:
    """Each campaign's contacts: done by outcome, being dialed, and still waiting."""
    outcomes = [
        (outcome.value, outcome.label)
        for outcome in ContactOutcome
        if any(row.progress.outcomes.get(outcome.value) for row in rows)
    ]
    series = {
        **{key: [row.progress.outcomes.get(key, 0) for row in rows] for key, _ in outcomes},
        "dialing": [row.progress.dialing for row in rows],
        "waiting": [row.progress.waiting for row in rows],
    }
    return _chart(
        [row.campaign.name for row in rows],
        [*outcomes, ("dialing", "Being dialed"), ("waiting", "Not done yet")],
        series.__getitem__,
    )


def survey_by_agent(ratings: QuerySet[SurveyResponse]) -> dict:
    """Each agent's mean rating (1 to 5) over the period, with how many ratings it is."""
    rows = figures.survey_averages(ratings.filter(agent__isnull=False), "agent")
    chart = _chart(
        [row["name"] for row in rows],
        [("average", "Average rating")],
        lambda _: [row["average"] for row in rows],
    )
    chart["answers"] = [row["answers"] for row in rows]
    return chart


def _chart(labels: list[str], series: list[tuple[str, str]], values) -> dict:
    datasets = [{"key": key, "label": label, "data": values(key)} for key, label in series]
    return {
        "labels": labels,
        "datasets": datasets,
        "empty": not any(value for dataset in datasets for value in dataset["data"]),
    }
