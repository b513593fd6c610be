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

An agent's figures are times: how long they talked and wrapped up, from the
record of their status moves (`AgentStatusChange`), and how long the customers
they were with were on hold, from the conferences' callbacks.

Queries return counts; rates are computed from counts here and nowhere else, so
the figures of several days or queues are their counts added, never rates
rebuilt from rounded rates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

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
from conversations.models import ConferenceEvent, Participant, Role
from conversations.selectors import holds

from .models import (
    Agent,
    AgentStatus,
    AgentStatusChange,
    EntryOutcome,
    Queue,
    QueueEntry,
    SurveyResponse,
)


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

CALLS_TAKEN = Figure(
    "Calls answered",
    "Calls the agent picked up in the period (each time they moved from ringing to talking).",
)
TALK_TIME = Figure(
    "Talk time",
    "Time the agent spent talking (from picking up a call to its end), within the period; "
    "holds included.",
)
HOLD_TIME = Figure(
    "Hold time",
    "Time the customers were on hold while this agent was in the conversation with them, "
    "as Twilio's conference callbacks tell, within the period.",
)
WRAP_UP_TIME = Figure(
    "Wrap-up time",
    "Time the agent spent wrapping up after their calls, until available again, within the period.",
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
# Figures per agent (the dashboard's "Agents" table, the agents' figures API).
AGENT_FIGURES = (CALLS_TAKEN, TALK_TIME, HOLD_TIME, WRAP_UP_TIME)

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


@dataclass(frozen=True)
class AgentFigures:
    """One agent's calls and times over a period."""

    agent_id: int
    name: str
    answered: int = 0
    talk: dt.timedelta = dt.timedelta(0)
    hold: dt.timedelta = dt.timedelta(0)
    wrap_up: dt.timedelta = dt.timedelta(0)


def agent_figures(
    since: dt.date, until: dt.date, now: dt.datetime | None = None
) -> list[AgentFigures]:
    """Each agent who talked or wrapped up from `since` to `until` (days in the
    project's time zone), by name; a status still going on counts until `now`."""
    start, end = _midnight(since), _midnight(until + dt.timedelta(days=1))
    end = min(end, now or timezone.now())
    talk: dict[int, dt.timedelta] = {}
    wrap_up: dict[int, dt.timedelta] = {}
    answered: dict[int, int] = {}
    for move, since_at, until_at in _status_spans(start, end):
        agent_id = move.agent_id
        if move.status == AgentStatus.ON_CALL:
            talk[agent_id] = talk.get(agent_id, dt.timedelta(0)) + until_at - since_at
            answered[agent_id] = answered.get(agent_id, 0) + (move.at >= start)
        elif move.status == AgentStatus.WRAP_UP:
            wrap_up[agent_id] = wrap_up.get(agent_id, dt.timedelta(0)) + until_at - since_at
    hold = _hold_time(start, end)
    zero = dt.timedelta(0)
    return [
        AgentFigures(
            agent.pk,
            agent.name,
            answered.get(agent.pk, 0),
            talk.get(agent.pk, zero),
            hold.get(agent.pk, zero),
            wrap_up.get(agent.pk, zero),
        )
        for agent in Agent.objects.filter(pk__in={*talk, *wrap_up, *hold}).order_by("name", "pk")
    ]


def _status_spans(
    start: dt.datetime, end: dt.datetime
) -> Iterator[tuple[AgentStatusChange, dt.datetime, dt.datetime]]:
    """Each status an agent was in between `start` and `end` (the move into it, from,
    to), clipped to them: the status each was in at `start`, then each move."""
    before = (
        AgentStatusChange.objects.filter(at__lt=start)
        .order_by("agent_id", "-at", "-id")
        .distinct("agent_id")
    )
    moves = sorted(
        [*before, *AgentStatusChange.objects.filter(at__gte=start, at__lt=end)],
        key=lambda move: (move.agent_id, move.at, move.id),
    )
    for move, after in pairwise([*moves, None]):
        until_at = after.at if after is not None and after.agent_id == move.agent_id else end
        yield move, max(move.at, start), until_at


def _hold_time(start: dt.datetime, end: dt.datetime) -> dict[int, dt.timedelta]:
    """Per agent: the customers' holds, as long as the agent was in the conference
    with them, between `start` and `end`."""
    agents = Participant.objects.filter(agent__isnull=False, joined_at__lt=end).exclude(
        left_at__lt=start
    )
    customers = set(
        Participant.objects.filter(
            role=Role.CUSTOMER, conference__in=agents.values("conference")
        ).values_list("conference_id", "call_sid")
    )
    in_room: dict[int, list[Participant]] = {}
    for participant in agents:
        in_room.setdefault(participant.conference_id, []).append(participant)
    totals: dict[int, dt.timedelta] = {}
    events = ConferenceEvent.objects.filter(conference_id__in=in_room)
    for hold in holds(events):
        if (hold.conference_id, hold.call_sid) not in customers:
            continue
        for agent in in_room[hold.conference_id]:
            since_at = max(hold.start, agent.joined_at, start)
            until_at = min(hold.end or end, agent.left_at or end, end)
            if until_at > since_at:
                totals[agent.agent_id] = totals.get(agent.agent_id, dt.timedelta(0)) + (
                    until_at - since_at
                )
    return totals


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


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
