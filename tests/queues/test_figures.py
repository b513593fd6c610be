"""Daily figures and live figures against a hand count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from calls.models import CallStatus
from queues import figures, selectors, services
from queues.figures import Waits
from queues.models import (
    Agent,
    AgentStatus,
    AgentStatusChange,
    EntryOutcome,
    Queue,
    QueueEntry,
    SurveyResponse,
)
from queues.services import transfers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def answered_after(entry: QueueEntry, agent, seconds: int) -> QueueEntry:
    entry = services.take_off_hold(entry, agent=agent)
    services.record_dial_ended(entry.pk, offer=entry.offers, dial_status="completed")
    QueueEntry.objects.filter(pk=entry.pk).update(
        answered_at=entry.enqueued_at + dt.timedelta(seconds=seconds)
    )
    return entry


def test_daily_figures_match_a_hand_count(queue, caller, make_agent, survey):
    ann, bob = make_agent("Ann"), make_agent("Bob")
    quick = answered_after(caller("+14155550101"), ann, 10)
    answered_after(caller("+14155550102"), bob, 30)
    gone = caller("+14155550103")
    gone.call.status = CallStatus.COMPLETED
    services.record_call_ended(gone.call)
    services.hang_up_politely(caller("+14155550107"))
    queue.max_wait_seconds = 1
    queue.save()
    overflowed = caller("+14155550104")
    services.overflow_overdue(now=timezone.now() + dt.timedelta(seconds=2))
    still_waiting = caller("+14155550105")
    rating = survey.questions.get(position=1)
    services.record_survey_answer(quick.call, rating, "4")
    services.record_survey_answer(
        answered_after(caller("+14155550106"), make_agent("Cy"), 40).call, rating, "5"
    )
    today = timezone.localdate()

    [day] = figures.daily_figures(queue, today, today)

    overflowed.refresh_from_db()
    assert overflowed.outcome == EntryOutcome.OVERFLOWED
    assert still_waiting not in QueueEntry.objects.filter(status="ended")
    # Hand count: 6 waits ended: 3 answered after 10, 30 and 40 s, 1 abandoned,
    # 1 ended by a supervisor, 1 overflowed; 1 answered within the 20 s target.
    assert day.waits == Waits(
        callers=6,
        answered=3,
        abandoned=1,
        overflowed=1,
        ended_by_supervisor=1,
        answered_in_time=1,
        time_to_answer=dt.timedelta(seconds=80),
    )
    assert day.waits.average_speed_of_answer == pytest.approx(80 / 3, abs=0.1)
    assert day.waits.abandonment_rate == pytest.approx(1 / 6, abs=1e-4)
    assert day.waits.service_level == pytest.approx(1 / 4, abs=1e-4)
    assert (day.ratings.answers, day.ratings.average) == (2, 4.5)
    last_week = today - dt.timedelta(days=7)
    assert figures.daily_figures(queue, last_week, today - dt.timedelta(days=1)) == []


def test_figures_of_several_days_are_their_counts_added():
    """Rates come from summed counts: 1 of 3 and 1 of 4 is 2 of 7, not the mean of rates."""
    monday = Waits(callers=3, answered=2, abandoned=1, answered_in_time=1)
    tuesday = Waits(callers=4, answered=3, abandoned=1, answered_in_time=3)

    both = monday + tuesday

    assert both == Waits(callers=7, answered=5, abandoned=2, answered_in_time=4)
    assert (both.abandonment_rate, both.service_level) == (round(2 / 7, 4), round(4 / 7, 4))
    assert Waits().abandonment_rate is None and Waits().average_speed_of_answer is None


def test_live_figures_and_averages(queue, caller, make_agent, survey):
    ann = make_agent("Ann")
    make_agent("Bob", available=False)
    first = caller("+14155550101")
    QueueEntry.objects.filter(pk=first.pk).update(
        enqueued_at=timezone.now() - dt.timedelta(seconds=45)
    )
    caller("+14155550102")

    live = selectors.with_live_figures(Queue.objects.filter(pk=queue.pk)).get()

    assert (live.waiting_count, live.agents_available) == (2, 1)
    assert 45 <= selectors.longest_wait_seconds(live) < 50
    rating = survey.questions.get(position=1)
    for digits in ("3", "4"):
        entry = services.take_off_hold(caller(f"+1415555020{digits}"), agent=ann)
        services.record_dial_ended(entry.pk, offer=1, dial_status="completed")
        services.record_survey_answer(entry.call, rating, digits)
        services.release_wrapped_up_agents(timezone.now() + dt.timedelta(minutes=1))
    by_agent = figures.survey_averages(SurveyResponse.objects.all(), "agent")
    assert by_agent == [{"id": ann.pk, "name": "Ann", "average": 3.5, "answers": 2}]


def talking_after(entry: QueueEntry, agent, seconds: int) -> QueueEntry:
    """Taken off hold and answered by `agent` after `seconds` (their leg in progress)."""
    entry = services.take_off_hold(entry, agent=agent)
    answered_at = entry.enqueued_at + dt.timedelta(seconds=seconds)
    QueueEntry.objects.filter(pk=entry.pk).update(
        status="connected", outcome=EntryOutcome.CONNECTED, answered_at=answered_at
    )
    return QueueEntry.objects.get(pk=entry.pk)


def test_a_caller_transferred_to_a_queue_waits_there_counted_once(queue, caller, make_agent):
    billing = Queue.objects.create(name="Billing")
    ann = make_agent("Ann")
    first = talking_after(caller("+14155550101"), ann, 10)

    second = transfers.transfer_to_queue(first.call, billing, from_agent_id=ann.pk)

    first.refresh_from_db()
    assert (first.status, first.outcome) == ("ended", EntryOutcome.TRANSFERRED)
    assert (second.status, second.transferred_from) == ("waiting", first)
    assert second.enqueued_at == first.enqueued_at
    assert Agent.objects.get(pk=ann.pk).status == AgentStatus.WRAP_UP
    second.call.status = CallStatus.COMPLETED
    services.record_call_ended(second.call)
    today = timezone.localdate()
    [day] = figures.daily_figures(queue, today, today)
    assert day.waits == Waits(
        callers=1,
        answered=1,
        transferred=1,
        answered_in_time=1,
        time_to_answer=dt.timedelta(seconds=10),
    )
    assert figures.daily_figures(billing, today, today) == []


def test_a_caller_transferred_to_another_agent_is_answered_once_and_transferred(
    queue, caller, make_agent
):
    ann, bob = make_agent("Ann"), make_agent("Bob")
    entry = talking_after(caller("+14155550101"), ann, 30)

    transfers.agent_joins_conversation(bob.pk)
    transfers.transfer_recorded(entry.call, from_agent_id=ann.pk, to_agent_id=bob.pk)
    services.record_dial_ended(entry.pk, offer=entry.offers, dial_status="completed")

    entry.refresh_from_db()
    assert (entry.status, entry.outcome, entry.agent) == ("ended", EntryOutcome.TRANSFERRED, bob)
    assert Agent.objects.get(pk=ann.pk).status == AgentStatus.WRAP_UP
    assert Agent.objects.get(pk=bob.pk).status == AgentStatus.WRAP_UP
    assert selectors.agent_who_talked_to(entry.call) == (bob, queue)
    today = timezone.localdate()
    [day] = figures.daily_figures(queue, today, today)
    assert (day.waits.callers, day.waits.answered, day.waits.transferred) == (1, 1, 1)
    assert day.waits.time_to_answer == dt.timedelta(seconds=30)


def test_agent_times_are_split_at_midnight_and_count_until_now(make_agent):
    """Talking from 23:59 to 00:01 is one minute on each day; a wrap-up still going on
    counts until now, and the call belongs to the day it was answered."""
    ann = make_agent("Ann", available=False)
    monday = dt.date(2026, 11, 23)
    midnight = timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(days=1), dt.time()))
    for status, moment in [
        (AgentStatus.ON_CALL, midnight - dt.timedelta(minutes=1)),
        (AgentStatus.WRAP_UP, midnight + dt.timedelta(minutes=1)),
    ]:
        AgentStatusChange.objects.create(agent=ann, status=status, at=moment)
    now = midnight + dt.timedelta(minutes=3)
    tuesday = monday + dt.timedelta(days=1)

    [before] = figures.agent_figures(monday, monday, now=now)
    [after] = figures.agent_figures(tuesday, tuesday, now=now)

    minute = dt.timedelta(minutes=1)
    assert (before.answered, before.talk, before.wrap_up) == (1, minute, dt.timedelta(0))
    assert (after.answered, after.talk, after.wrap_up) == (0, minute, 2 * minute)
