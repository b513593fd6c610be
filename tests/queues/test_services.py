"""Queues, agents and offers as a supervisor sees them, on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from defusedxml.ElementTree import fromstring
from django.utils import timezone

from callcenter.celery import app as celery_app
from calls.exceptions import RuleViolation
from calls.models import CallStatus, Redirect, RedirectState
from conversations.models import ConversationAction
from queues import selectors, services
from queues.models import (
    AgentStatus,
    EndpointKind,
    EntryOutcome,
    EntryStatus,
    OverflowAction,
    Queue,
    QueueEntry,
)
from queues.outcomes import CallerNext
from queues.twiml import BACK_ON_HOLD
from tests.queues.conftest import live_call

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def room_of(redirect: Redirect):
    """The conference the caller's redirect puts them in."""
    return fromstring(redirect.twiml).find("Dial/Conference")


def dialed_in(entry: QueueEntry) -> ConversationAction:
    """The action dialing the agent into the caller's conference."""
    return ConversationAction.objects.get(call=entry.call, kind="connect")


def test_callers_wait_in_order_and_a_repeated_enqueue_keeps_the_first_entry(queue, caller):
    first, second = caller("+14155550101"), caller("+14155550102")

    assert (first.position_at_enqueue, second.position_at_enqueue) == (1, 2)
    assert services.enqueue_call(first.call, queue) == first
    assert list(selectors.waiting_entries(queue)) == [first, second]


def test_taking_off_hold_dials_the_named_agent_with_a_recorded_leg(queue, caller, make_agent):
    make_agent("Ann")
    bob = make_agent("Bob", "sip:bob@pbx.example.com", kind=EndpointKind.SIP)
    entry = caller()

    entry = services.take_off_hold(entry, agent=bob)
    room_id = entry.call.conferences.get().pk

    assert entry.status == EntryStatus.OFFERED
    assert entry.agent == bob
    bob.refresh_from_db()
    assert bob.status == AgentStatus.ON_CALL
    room = room_of(entry.offer_redirect)
    assert room.text == f"call-{entry.call.sid}"
    assert room.get("statusCallback").endswith(f"/twilio/conferences/status?conference={room_id}")
    dial = fromstring(entry.offer_redirect.twiml).find("Dial")
    assert dial.get("action").endswith(f"/entries/{entry.pk}/offers/1/dial-ended")
    assert entry.offer_redirect.state == RedirectState.QUEUED
    connect = dialed_in(entry)
    assert (connect.params["to"], connect.params["role"], connect.state) == (
        "sip:bob@pbx.example.com",
        "agent",
        "queued",
    )


def test_without_a_name_the_longest_idle_agent_takes_the_caller(queue, caller, make_agent):
    ann = make_agent("Ann")
    make_agent("Bob")
    entry = services.take_off_hold(caller())

    assert entry.agent == ann
    assert dialed_in(entry).params["to"] == ann.endpoint


def test_a_client_endpoint_is_dialed_as_a_client(queue, caller, make_agent):
    agent = make_agent("Cy", "cy_desk", kind=EndpointKind.CLIENT)
    entry = services.take_off_hold(caller(), agent=agent)

    assert dialed_in(entry).params["to"] == "client:cy_desk"


def test_busy_agents_and_callers_no_longer_waiting_are_refused(queue, caller, make_agent):
    ann = make_agent("Ann")
    entry = services.take_off_hold(caller())

    with pytest.raises(RuleViolation, match="not waiting"):
        services.take_off_hold(entry)
    with pytest.raises(RuleViolation, match="on a call"):
        services.take_off_hold(caller("+14155550103"), agent=ann)
    with pytest.raises(RuleViolation, match="No agent"):
        services.take_off_hold(caller("+14155550104"))
    assert Redirect.objects.count() == 1


def test_the_distributor_pairs_longest_waiting_with_longest_idle(queue, caller, make_agent):
    ann, bob = make_agent("Ann"), make_agent("Bob")
    first, second, third = caller("+14155550101"), caller("+14155550102"), caller("+14155550103")

    assert services.distribute() == 2
    assert services.distribute() == 0

    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert (first.agent, second.agent) == (ann, bob)
    assert third.status == EntryStatus.WAITING


def test_an_agent_signing_in_is_offered_the_waiting_caller_once_the_sign_in_commits(
    queue, caller, make_agent, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    entry = caller()
    ann = make_agent("Ann", available=False)

    with django_capture_on_commit_callbacks() as after_commit:
        services.set_agent_status(ann, AgentStatus.AVAILABLE)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WAITING

    for callback in after_commit:
        callback()
    entry.refresh_from_db()
    assert (entry.status, entry.agent) == (EntryStatus.OFFERED, ann)


def test_an_agent_who_does_not_answer_sends_the_caller_to_the_head_and_signs_out(
    queue, caller, make_agent
):
    ann = make_agent("Ann")
    entry = caller("+14155550101")
    later = caller("+14155550102")
    services.take_off_hold(entry, agent=ann)

    leg = live_call(parent=entry.call, to_number=ann.endpoint, status=CallStatus.NO_ANSWER)
    services.record_leg_status(leg)

    ann.refresh_from_db()
    assert ann.status == AgentStatus.OFFLINE
    assert list(selectors.waiting_entries(queue)) == [entry, later]
    told = Redirect.objects.filter(call=entry.call).latest("created_at")
    assert BACK_ON_HOLD in told.twiml


def test_after_a_conversation_the_caller_goes_to_the_survey_once(queue, caller, make_agent):
    ann = make_agent("Ann")
    entry = services.take_off_hold(caller(), agent=ann)
    leg = live_call(parent=entry.call, to_number=ann.endpoint)
    services.record_leg_status(leg)

    first = services.record_dial_ended(entry.pk, offer=1, dial_status="completed")
    again = services.record_dial_ended(entry.pk, offer=1, dial_status="completed")

    assert first.next == CallerNext.SURVEY
    assert again.next == CallerNext.OVERTAKEN
    entry.refresh_from_db()
    assert (entry.outcome, entry.agent_leg) == (EntryOutcome.CONNECTED, leg)
    assert entry.survey_sent_at is not None
    ann.refresh_from_db()
    assert ann.status == AgentStatus.WRAP_UP


def test_the_dial_action_after_a_supervisor_redirect_changes_nothing(queue, caller, make_agent):
    ann = make_agent("Ann")
    entry = services.take_off_hold(caller(), agent=ann)
    services.record_leg_status(live_call(parent=entry.call, to_number=ann.endpoint))
    services.send_to_survey(entry)

    result = services.record_dial_ended(entry.pk, offer=1, dial_status="completed")

    assert result.next == CallerNext.OVERTAKEN
    assert Redirect.objects.filter(call=entry.call).count() == 2
    with pytest.raises(RuleViolation, match="already"):
        services.send_to_survey(entry)


def test_an_old_offers_dial_action_is_stale(queue, caller, make_agent):
    ann, bob = make_agent("Ann"), make_agent("Bob")
    entry = services.take_off_hold(caller(), agent=ann)
    services.record_dial_ended(entry.pk, offer=1, dial_status="busy")
    services.take_off_hold(entry, agent=bob)

    assert services.record_dial_ended(entry.pk, offer=1, dial_status="busy").next == (
        CallerNext.OVERTAKEN
    )
    bob.refresh_from_db()
    assert bob.status == AgentStatus.ON_CALL


def test_agent_legs_drive_the_agent_status(queue, caller, make_agent):
    ann = make_agent("Ann")
    entry = services.take_off_hold(caller(), agent=ann)
    stranger = live_call(parent=entry.call, to_number="+19995550000")
    services.record_leg_status(stranger)
    leg = live_call(parent=entry.call, to_number=ann.endpoint)
    services.record_leg_status(leg)

    entry.refresh_from_db()
    assert (entry.status, entry.agent_leg) == (EntryStatus.CONNECTED, leg)
    leg.status = CallStatus.COMPLETED
    leg.save()
    services.record_leg_status(leg)
    ann.refresh_from_db()
    assert ann.status == AgentStatus.WRAP_UP

    assert services.release_wrapped_up_agents(timezone.now() + dt.timedelta(seconds=10)) == 0
    assert services.release_wrapped_up_agents(timezone.now() + dt.timedelta(seconds=31)) == 1
    ann.refresh_from_db()
    assert ann.status == AgentStatus.AVAILABLE


def test_a_caller_who_hangs_up_while_waiting_abandoned(queue, caller, make_agent):
    ann = make_agent("Ann")
    waiting = caller("+14155550101")
    ringing = services.take_off_hold(caller("+14155550102"), agent=ann)

    for entry in (waiting, ringing):
        entry.call.status = CallStatus.COMPLETED
        entry.call.save()
        services.record_call_ended(entry.call)

    assert set(QueueEntry.objects.values_list("outcome", flat=True)) == {EntryOutcome.ABANDONED}
    ann.refresh_from_db()
    assert ann.status == AgentStatus.AVAILABLE


def test_hanging_up_politely_says_goodbye(queue, caller):
    entry = caller()
    redirect = services.hang_up_politely(entry)

    document = fromstring(redirect.twiml)
    assert [verb.tag for verb in document] == ["Say", "Hangup"]
    entry.refresh_from_db()
    assert entry.outcome == EntryOutcome.ENDED_BY_SUPERVISOR
    with pytest.raises(RuleViolation, match="left the queue"):
        services.hang_up_politely(entry)


def test_callers_past_the_maximum_wait_overflow(queue, caller):
    other = Queue.objects.create(name="Overflow")
    queue.max_wait_seconds = 60
    queue.overflow_action = OverflowAction.QUEUE
    queue.overflow_queue = other
    queue.save()
    old, fresh = caller("+14155550101"), caller("+14155550102")
    QueueEntry.objects.filter(pk=old.pk).update(
        enqueued_at=timezone.now() - dt.timedelta(seconds=61)
    )

    assert services.overflow_overdue() == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.outcome, fresh.status) == (EntryOutcome.OVERFLOWED, EntryStatus.WAITING)
    moved = QueueEntry.objects.get(queue=other)
    assert moved.call == old.call
    redirect = Redirect.objects.get(call=old.call)
    assert other.greeting in redirect.twiml


def test_opening_hours(queue):
    queue.opens_at, queue.closes_at, queue.open_weekdays = dt.time(9), dt.time(17), "12345"
    monday_noon = timezone.make_aware(dt.datetime(2026, 11, 23, 12))
    saturday_noon = timezone.make_aware(dt.datetime(2026, 11, 28, 12))
    monday_night = timezone.make_aware(dt.datetime(2026, 11, 23, 20))

    assert selectors.is_open(queue, monday_noon)
    assert not selectors.is_open(queue, saturday_noon)
    assert not selectors.is_open(queue, monday_night)


def test_survey_answers_are_checked_and_stored_once_against_the_agent(
    queue, caller, make_agent, survey
):
    ann = make_agent("Ann")
    entry = services.take_off_hold(caller(), agent=ann)
    services.record_dial_ended(entry.pk, offer=1, dial_status="completed")
    rating, yes_no = survey.questions.order_by("position")

    assert services.record_survey_answer(entry.call, rating, "9") is None
    stored = services.record_survey_answer(entry.call, rating, "4")
    assert services.record_survey_answer(entry.call, rating, "2") == stored
    assert (stored.score, stored.agent, stored.queue) == (4, ann, queue)
    assert services.record_survey_answer(entry.call, yes_no, "2").answer == "no"


def test_a_caller_who_hung_up_is_not_overflowed(queue, caller):
    queue.max_wait_seconds = 60
    queue.save()
    entry = caller()
    entry.call.status = CallStatus.COMPLETED
    entry.call.save()

    assert services.overflow_overdue(now=timezone.now() + dt.timedelta(seconds=61)) == 0

    entry.refresh_from_db()
    assert entry.outcome == EntryOutcome.ABANDONED
    assert not Redirect.objects.exists()
