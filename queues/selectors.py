"""Reads that take more than a filter: who is next, who is idle, the live figures.

The figures of days and periods, and what each means, are `queues.figures`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import (
    Count,
    F,
    Min,
    Q,
    QuerySet,
)
from django.utils import timezone

from calls.models import Call, Redirect, RedirectState, RedirectTrigger
from conversations.models import Conference, ConversationAction

from .figures import ANSWERED_ENTRY
from .models import (
    OPEN_ENTRY_STATUSES,
    Agent,
    AgentStatus,
    EntryStatus,
    Queue,
    QueueEntry,
    Survey,
    SurveyQuestion,
)

HEAD_OF_QUEUE_STEP = dt.timedelta(microseconds=1)
# Redirects that did change, or are about to change, the call.
EFFECTIVE_REDIRECT_STATES = (
    RedirectState.SCHEDULED,
    RedirectState.QUEUED,
    RedirectState.SENDING,
    RedirectState.DONE,
)


def waiting_entries(queue: Queue) -> QuerySet[QueueEntry]:
    """Callers on hold in `queue`, next to be served first."""
    return QueueEntry.objects.filter(queue=queue, status=EntryStatus.WAITING).order_by("rank", "id")


def waiting_entry_of(call_id: int) -> QueueEntry | None:
    """The caller's stay in a queue while they wait on hold, if they do."""
    return (
        QueueEntry.objects.filter(call_id=call_id, status=EntryStatus.WAITING)
        .select_related("queue")
        .first()
    )


def idle_agents(queue: Queue) -> QuerySet[Agent]:
    """Available agents serving `queue`, longest idle first."""
    return Agent.objects.filter(queues=queue, status=AgentStatus.AVAILABLE).order_by(
        F("idle_since").asc(nulls_first=True), "id"
    )


def agents_done_wrapping_up(now: dt.datetime) -> list[int]:
    """Ids of agents whose wrap-up time has run out.

    Each agent has their own wrap-up length; the team is small, so the
    comparison is made here rather than with database interval arithmetic
    that SQLite (the embedded default) lacks.
    """
    wrapping = Agent.objects.filter(status=AgentStatus.WRAP_UP).values_list(
        "pk", "status_changed_at", "wrap_up_seconds"
    )
    return [
        pk
        for pk, since, seconds in wrapping
        if since is None or since + dt.timedelta(seconds=seconds) <= now
    ]


def overdue_entries(queue: Queue, now: dt.datetime) -> QuerySet[QueueEntry]:
    """Callers who have waited longer than the queue's maximum wait."""
    if queue.max_wait_seconds is None:
        return QueueEntry.objects.none()
    limit = now - dt.timedelta(seconds=queue.max_wait_seconds)
    return waiting_entries(queue).filter(enqueued_at__lte=limit)


def head_of_queue_rank(entry: QueueEntry) -> dt.datetime:
    """A rank ahead of everyone waiting in the entry's queue."""
    first = waiting_entries(entry.queue).exclude(pk=entry.pk).aggregate(first=Min("rank"))["first"]
    return min(first or entry.rank, entry.rank) - HEAD_OF_QUEUE_STEP


def redirected_since(call: Call, redirect: Redirect | None) -> bool:
    """Whether someone asked to change the call after `redirect` (an offer) was made.

    A redirect waiting for its time has not touched the call yet; one waiting
    for the agent's leg to end has the last word when it does, so it counts.
    """
    later = Redirect.objects.filter(call=call, state__in=EFFECTIVE_REDIRECT_STATES).exclude(
        trigger=RedirectTrigger.AT, state=RedirectState.SCHEDULED
    )
    if redirect is not None:
        later = later.filter(pk__gt=redirect.pk)
    return later.exists()


def next_question(question: SurveyQuestion) -> SurveyQuestion | None:
    return (
        SurveyQuestion.objects.filter(survey_id=question.survey_id, position__gt=question.position)
        .order_by("position", "id")
        .first()
    )


def first_question(survey: Survey) -> SurveyQuestion | None:
    return survey.questions.order_by("position", "id").first()


def is_open(queue: Queue, moment: dt.datetime) -> bool:
    """Whether the queue takes callers at `moment` (its opening hours, local time)."""
    local = timezone.localtime(moment)
    if str(local.isoweekday()) not in queue.open_weekdays:
        return False
    if queue.opens_at is None or queue.closes_at is None:
        return True
    now = local.time()
    if queue.opens_at <= queue.closes_at:
        return queue.opens_at <= now < queue.closes_at
    # Open across midnight, e.g. 22:00 to 06:00.
    return now >= queue.opens_at or now < queue.closes_at


def newest_step(
    conference: Conference, kinds: tuple[str, ...], states: tuple[str, ...]
) -> ConversationAction | None:
    """The conversation's newest action of one of `kinds` in one of `states`, with its
    participant: of a transfer's steps, the one that says where the transfer stands."""
    return (
        conference.actions.filter(kind__in=kinds, state__in=states)
        .select_related("participant")
        .order_by("-created_at", "-id")
        .first()
    )


def agent_who_talked_to(call: Call) -> tuple[Agent | None, Queue | None]:
    """The agent and queue of the call's last conversation."""
    entry = (
        QueueEntry.objects.filter(ANSWERED_ENTRY, call=call)
        .select_related("agent", "queue")
        .order_by("-answered_at", "-id")
        .first()
    )
    if entry is None:
        return None, None
    return entry.agent, entry.queue


# Live figures --------------------------------------------------------------------------


def with_live_figures(queues: QuerySet[Queue]) -> QuerySet[Queue]:
    """Queues annotated with callers waiting, the oldest enqueue, and agents available."""
    waiting = Q(entries__status=EntryStatus.WAITING)
    return queues.annotate(
        waiting_count=Count("entries", filter=waiting, distinct=True),
        oldest_waiting_since=Min("entries__enqueued_at", filter=waiting),
        agents_available=Count(
            "agents", filter=Q(agents__status=AgentStatus.AVAILABLE), distinct=True
        ),
    )


def longest_wait_seconds(queue: Queue, now: dt.datetime | None = None) -> int:
    """Seconds the longest-waiting caller has waited (needs `with_live_figures`)."""
    since = queue.oldest_waiting_since
    if since is None:
        return 0
    return max(0, int(((now or timezone.now()) - since).total_seconds()))


def serving_queue_ids(call_ids: Iterable[int]) -> dict[int, int]:
    """The queue each of these calls is in now (waiting, ringing or talking), by call id,
    in one query."""
    return dict(
        QueueEntry.objects.filter(
            call_id__in=list(call_ids), status__in=OPEN_ENTRY_STATUSES
        ).values_list("call_id", "queue_id")
    )
