"""The floor's figures, each defined once: what it counts, how, and the sentence that
says so on the dashboard (under each tile), in the API (the figures' field help)
and in the README (a test keeps the three the same).

A caller's wait in a queue ends one way of four (`EntryOutcome`): an agent
answers, the caller hangs up first (abandoned, and only that), the queue's
maximum wait moves them on (overflowed), or a supervisor ends it (hang up,
redirect or survey, now or at a scheduled time). An answered caller the agent
then passes on is `transferred`: still answered, counted once more as such.
A caller transferred to a queue waits there on their first stay's account
(`QueueEntry.transferred_from`): that second stay is no new wait, so a
transferred caller's wait counts once. A caller who rings while the queue is
closed never waits: they count among the calls in, in no queue figure.

Queries return counts; rates are computed from counts here and nowhere else, so
the figures of several days or queues are their counts added, never rates
rebuilt from rounded rates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from calls.models import Call, CallStatus, Direction, Outcome

from .models import EntryOutcome, Queue, QueueEntry, SurveyResponse


@dataclass(frozen=True)
class Figure:
    label: str
    definition: str


CALLS_IN = Figure(
    "Calls in",
    "Calls that came in to our numbers, whether the queue was open or closed; "
    "the legs that ring agents are not counted.",
)
CALLS_OUT = Figure(
    "Calls out",
    "Calls the product placed (API, admin, campaigns); the legs that ring agents are not counted.",
)
MACHINES = Figure(
    "Answering machines",
    "Calls out answered by a machine or a fax, as Twilio's AnsweredBy tells, not by a person.",
)
CALLERS = Figure(
    "Callers",
    "Callers whose wait in a queue ended: answered by an agent, abandoned, overflowed "
    "or ended by a supervisor. A caller still waiting is not counted yet; a caller "
    "an agent transferred to another queue counts once, in the queue they first waited in.",
)
ANSWERED = Figure("Answered", "Callers an agent answered, those later transferred included.")
SPEED_OF_ANSWER = Figure(
    "Average speed of answer",
    "Mean wait from joining the queue to an agent's answer, over the callers answered.",
)
ABANDONED = Figure(
    "Abandoned",
    "Callers who hung up before an agent answered, over all callers whose wait ended.",
)
OVERFLOWED = Figure(
    "Overflowed",
    "Callers the queue moved on at its maximum wait (goodbye, voicemail or another queue).",
)
ENDED_BY_SUPERVISOR = Figure(
    "Ended by a supervisor",
    "Callers whose wait a supervisor ended: hung up, redirected or sent to the survey, "
    "now or at a scheduled time. Never counted as abandoned.",
)
TRANSFERRED = Figure(
    "Transferred",
    "Callers an agent answered, then transferred to another agent, a queue or an outside "
    "number; counted among the answered, with the wait before that first answer.",
)
SERVICE_LEVEL = Figure(
    "Service level",
    "Callers answered within their queue's target wait, over the callers answered or "
    "abandoned; overflowed callers and those a supervisor ended are left out.",
)
SURVEY_AVERAGE = Figure(
    "Survey average",
    "Mean of the 1 to 5 ratings given in the period, after queue calls and campaign "
    "calls alike (a queue's: after its own conversations).",
)

FIGURES = (
    CALLS_IN,
    CALLS_OUT,
    MACHINES,
    CALLERS,
    ANSWERED,
    SPEED_OF_ANSWER,
    ABANDONED,
    OVERFLOWED,
    ENDED_BY_SUPERVISOR,
    TRANSFERRED,
    SERVICE_LEVEL,
    SURVEY_AVERAGE,
)

# Twilio's AnsweredBy values that are not a person (`unknown` counts as a person).
MACHINE_ANSWER = Q(answered_by__startswith="machine") | Q(answered_by="fax")
# A call that reached in-progress: status only moves forward, so completed ones too.
ANSWERED_CALL = Q(status__in=[CallStatus.IN_PROGRESS, CallStatus.COMPLETED])
# A wait is over once its outcome is known: a caller talking to an agent already counts.
# A stay a transfer began is the first stay's wait going on, never a second wait.
WAIT_ENDED = ~Q(outcome="") & Q(transferred_from__isnull=True)
# An agent answered: the caller talked with them, whether or not they were transferred on.
ANSWERED_ENTRY = Q(outcome__in=[EntryOutcome.CONNECTED, EntryOutcome.TRANSFERRED])
# How long the caller waited: until the agent's answer, or else until the stay ended.
WAIT = ExpressionWrapper(
    Coalesce("answered_at", "ended_at") - F("enqueued_at"), output_field=DurationField()
)


@dataclass(frozen=True)
class CallCounts:
    calls_in: int = 0
    calls_out: int = 0
    answered_out: int = 0
    people: int = 0
    machines: int = 0
    messages_left: int = 0
    machines_hung_up: int = 0


def call_counts(calls: QuerySet[Call]) -> CallCounts:
    """Calls in and out among `calls` (parents only: the caller gives the legs)."""
    outbound = Q(direction=Direction.OUTBOUND_API)
    counts = calls.aggregate(
        calls_in=Count("id", filter=Q(direction=Direction.INBOUND)),
        calls_out=Count("id", filter=outbound),
        answered_out=Count("id", filter=outbound & ANSWERED_CALL),
        people=Count("id", filter=outbound & ANSWERED_CALL & ~MACHINE_ANSWER),
        machines=Count("id", filter=outbound & MACHINE_ANSWER),
        messages_left=Count("id", filter=Q(outcome=Outcome.ANSWERED_MACHINE)),
        machines_hung_up=Count("id", filter=Q(outcome=Outcome.HANGUP_MACHINE)),
    )
    return CallCounts(**counts)


@dataclass(frozen=True)
class Waits:
    """Counts of waits that ended, and the rates made of them."""

    callers: int = 0
    answered: int = 0
    abandoned: int = 0
    overflowed: int = 0
    ended_by_supervisor: int = 0
    transferred: int = 0
    answered_in_time: int = 0
    time_to_answer: dt.timedelta = dt.timedelta(0)

    def __add__(self, other: Waits) -> Waits:
        return Waits(
            *(mine + theirs for mine, theirs in zip(_values(self), _values(other), strict=True))
        )

    @property
    def average_speed_of_answer(self) -> float | None:
        """Seconds, to a tenth."""
        if not self.answered:
            return None
        return round(self.time_to_answer.total_seconds() / self.answered, 1)

    @property
    def abandonment_rate(self) -> float | None:
        return _ratio(self.abandoned, self.callers)

    @property
    def service_level(self) -> float | None:
        return _ratio(self.answered_in_time, self.answered + self.abandoned)


@dataclass(frozen=True)
class Ratings:
    """Survey ratings (1 to 5): how many, their sum, and their mean."""

    answers: int = 0
    total: int = 0

    def __add__(self, other: Ratings) -> Ratings:
        return Ratings(self.answers + other.answers, self.total + other.total)

    @property
    def average(self) -> float | None:
        return round(self.total / self.answers, 2) if self.answers else None


@dataclass(frozen=True)
class DayFigures:
    queue_id: int
    day: dt.date
    waits: Waits
    ratings: Ratings


def daily_figures(queue: Queue, since: dt.date, until: dt.date) -> list[DayFigures]:
    """One row per day (in the project's time zone) on which a wait ended, oldest first.

    A wait belongs to the day the caller joined the queue; a rating to the day
    it was given.
    """
    tz = timezone.get_current_timezone()
    answered = ANSWERED_ENTRY
    in_time = answered & Q(wait__lte=dt.timedelta(seconds=queue.service_level_seconds))
    rows = (
        QueueEntry.objects.filter(
            WAIT_ENDED, queue=queue, enqueued_at__date__gte=since, enqueued_at__date__lte=until
        )
        .annotate(day=TruncDate("enqueued_at", tzinfo=tz), wait=WAIT)
        .values("day")
        .annotate(
            callers=Count("id"),
            answered=Count("id", filter=answered),
            abandoned=Count("id", filter=Q(outcome=EntryOutcome.ABANDONED)),
            overflowed=Count("id", filter=Q(outcome=EntryOutcome.OVERFLOWED)),
            ended_by_supervisor=Count("id", filter=Q(outcome=EntryOutcome.ENDED_BY_SUPERVISOR)),
            transferred=Count("id", filter=Q(outcome=EntryOutcome.TRANSFERRED)),
            answered_in_time=Count("id", filter=in_time),
            time_to_answer=Sum("wait", filter=answered, default=dt.timedelta(0)),
        )
        .order_by("day")
    )
    ratings = {
        row["day"]: Ratings(row["answers"], row["total"])
        for row in _rated(
            SurveyResponse.objects.filter(
                queue=queue, created_at__date__gte=since, created_at__date__lte=until
            )
        )
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(answers=Count("id"), total=Sum("score"))
    }
    days = []
    for row in rows:
        day = row.pop("day")
        days.append(DayFigures(queue.pk, day, Waits(**row), ratings.get(day, Ratings())))
    return days


def ratings_given(responses: QuerySet[SurveyResponse]) -> Ratings:
    counts = _rated(responses).aggregate(answers=Count("id"), total=Sum("score", default=0))
    return Ratings(**counts)


def survey_averages(responses: QuerySet[SurveyResponse], by: str) -> list[dict[str, object]]:
    """Mean rating and number of ratings grouped by `by` ("agent" or "queue")."""
    rows = (
        _rated(responses)
        .values(f"{by}_id", f"{by}__name")
        .annotate(answers=Count("id"), total=Sum("score"))
        .order_by(f"{by}__name")
    )
    return [
        {
            "id": row[f"{by}_id"],
            "name": row[f"{by}__name"],
            "average": Ratings(row["answers"], row["total"]).average,
            "answers": row["answers"],
        }
        for row in rows
    ]


def _rated(responses: QuerySet[SurveyResponse]) -> QuerySet[SurveyResponse]:
    """Answers to rating questions (other answers carry no score)."""
    return responses.filter(score__isnull=False)


def _values(counts: Waits) -> tuple:
    return tuple(getattr(counts, each.name) for each in dataclasses.fields(counts))


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
