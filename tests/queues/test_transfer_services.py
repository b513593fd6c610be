"""A transfer's target whose leg ends unanswered, whenever Twilio says so: before the
step has handed the room over, and more than once; the first agent after a transfer
to a number; a consulted target who hangs up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from calls.exceptions import RuleViolation
from calls.models import CallStatus, Redirect
from conversations import services as conversation_services
from conversations.kinds.holding import UNHOLD
from conversations.models import ActionState, ConversationAction, Participant, Role
from conversations.registry import kind_named
from queues import selectors, services
from queues.models import AgentStatus, EntryOutcome, EntryStatus, QueueEntry
from queues.twiml import BACK_ON_HOLD
from tests.queues.conftest import live_call

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BUSY = "+15550001001"
OUTSIDE = "+15550001002"


@pytest.fixture
def talking(caller, make_agent) -> QueueEntry:
    """A caller talking with Ann, taken off hold ahead of one who came later."""
    entry = caller("+14155550101")
    caller("+14155550102")
    entry = services.take_off_hold(entry, agent=make_agent("Ann"))
    services.record_leg_status(live_call(parent=entry.call, to_number=entry.agent.endpoint))
    return entry


def test_a_busy_target_before_the_hand_over_sends_the_caller_back_on_hold_once(queue, talking):
    entry, ann = talking, talking.agent
    later = QueueEntry.objects.get(call__from_number="+14155550102")
    conference = entry.call.conferences.get()
    # The blind transfer has dialed the number and not yet handed the room over.
    step = ConversationAction.objects.create(
        call=entry.call,
        conference=conference,
        kind=services.BLIND_TRANSFER,
        params={"to": BUSY},
        state=ActionState.SENDING,
    )
    leg = live_call(parent=entry.call, to_number=BUSY, status=CallStatus.BUSY)
    conversation_services.participant_expect(
        conference,
        role=Role.THIRD_PARTY,
        label=step.dial_label,
        endpoint=BUSY,
        leg=leg,
    )

    for _ in range(2):  # Twilio may tell twice
        services.record_leg_status(leg)

    step.refresh_from_db()
    assert step.state == ActionState.FAILED
    assert step.error_message == (
        f"{BUSY} did not answer (Twilio: busy); the caller is back on hold in {queue}."
    )
    first = QueueEntry.objects.get(pk=entry.pk)
    assert (first.status, first.outcome, first.agent) == (
        EntryStatus.ENDED,
        EntryOutcome.TRANSFERRED,
        ann,
    )
    again = QueueEntry.objects.get(transferred_from=first)
    assert list(selectors.waiting_entries(queue)) == [again, later]
    assert again.enqueued_at == first.enqueued_at
    told = Redirect.objects.filter(call=entry.call, twiml__contains=BACK_ON_HOLD)
    assert told.count() == 1

    # The step's hand-over, late, finds no stay to change: Ann wraps up.
    assert services.transfer_recorded(entry.call, from_agent_id=ann.pk) is None
    ann.refresh_from_db()
    assert ann.status == AgentStatus.WRAP_UP
    assert QueueEntry.objects.get(pk=again.pk).status == EntryStatus.WAITING


def _dialed_in(entry: QueueEntry, step: ConversationAction, to_number: str, **who):
    """The step's target, dialed in and answered: their leg and their participant."""
    leg = live_call(parent=entry.call, to_number=to_number)
    target = conversation_services.participant_expect(
        entry.call.conferences.get(), label=step.dial_label, leg=leg, **who
    )
    Participant.objects.filter(pk=target.pk).update(call_sid=leg.sid, joined_at=timezone.now())
    step.participant = target
    step.save(update_fields=["participant"])
    return leg


def _ended(call) -> None:
    call.status = CallStatus.COMPLETED
    call.save(update_fields=["status"])


def test_the_caller_s_end_after_a_transfer_to_a_number_leaves_the_first_agent_alone(
    caller, talking
):
    entry, ann = talking, talking.agent
    step = ConversationAction.objects.create(
        call=entry.call,
        conference=entry.call.conferences.get(),
        kind=services.BLIND_TRANSFER,
        params={"to": OUTSIDE},
        state=ActionState.DONE,
    )
    leg = _dialed_in(entry, step, OUTSIDE, role=Role.THIRD_PARTY, endpoint=OUTSIDE)
    # The hand-over: Ann leaves the room to the number, and wraps up.
    services.transfer_recorded(entry.call, from_agent_id=ann.pk, to_leg=leg)
    ann.refresh_from_db()
    assert ann.status == AgentStatus.WRAP_UP

    # Her wrap-up over, she answers the next caller while the first talks on.
    services.release_wrapped_up_agents(timezone.now() + dt.timedelta(minutes=5))
    later = services.take_off_hold(
        QueueEntry.objects.get(call__from_number="+14155550102"), agent=ann
    )
    services.record_leg_status(live_call(parent=later.call, to_number=ann.endpoint))
    ann.refresh_from_db()
    assert ann.status == AgentStatus.ON_CALL

    # The number hangs up, which ends the room and the first caller's call.
    _ended(leg)
    services.record_leg_status(leg)
    services.record_dial_ended(entry.pk, offer=entry.offers, dial_status="completed")
    _ended(entry.call)
    services.record_call_ended(entry.call)

    ann.refresh_from_db()
    assert ann.status == AgentStatus.ON_CALL
    first = QueueEntry.objects.get(pk=entry.pk)
    assert (first.status, first.outcome, first.agent) == (
        EntryStatus.ENDED,
        EntryOutcome.TRANSFERRED,
        ann,
    )


@pytest.fixture
def consulting(make_agent, talking) -> ConversationAction:
    """Ann consults Bob, who answered, while the customer holds."""
    entry, bob = talking, make_agent("Bob")
    conference = entry.call.conferences.get()
    conference.participants.filter(role=Role.CUSTOMER).update(joined_at=timezone.now())
    step = ConversationAction.objects.create(
        call=entry.call,
        conference=conference,
        kind=services.CONSULT,
        params={"agent": bob.pk},
        state=ActionState.DONE,
    )
    services.agent_joins_conversation(bob.pk)
    _dialed_in(entry, step, bob.endpoint, role=Role.AGENT, endpoint=bob.endpoint, agent_id=bob.pk)
    return step


def test_a_consulted_agent_who_hangs_up_ends_the_consultation(talking, consulting):
    entry, ann, bob, leg = (
        talking,
        talking.agent,
        consulting.participant.agent,
        consulting.participant.call,
    )

    _ended(leg)
    for _ in range(2):  # Twilio may tell twice
        services.record_leg_status(leg)

    consulting.refresh_from_db()
    assert consulting.state == ActionState.FAILED
    assert consulting.error_message == "Bob left; the customer is back with the first agent."
    unheld = ConversationAction.objects.filter(call=entry.call, kind=UNHOLD.name)
    assert unheld.count() == 1
    bob.refresh_from_db()
    ann.refresh_from_db()
    assert (bob.status, ann.status) == (AgentStatus.WRAP_UP, AgentStatus.ON_CALL)
    assert QueueEntry.objects.get(pk=entry.pk).status == EntryStatus.CONNECTED
    with pytest.raises(RuleViolation, match="No transfer is being consulted"):
        conversation_services.action_request(entry.call, "complete-transfer")


def test_a_target_who_hangs_up_after_the_completion_ends_the_call_as_its_agent(talking, consulting):
    entry, bob, leg = talking, consulting.participant.agent, consulting.participant.call
    ConversationAction.objects.create(
        call=entry.call,
        conference=consulting.conference,
        kind=services.COMPLETE_TRANSFER,
        participant=consulting.participant,
        state=ActionState.DONE,
    )
    services.transfer_recorded(
        entry.call, from_agent_id=entry.agent_id, to_agent_id=bob.pk, to_leg=leg
    )

    _ended(leg)
    services.record_leg_status(leg)

    consulting.refresh_from_db()
    assert consulting.state == ActionState.DONE
    assert not ConversationAction.objects.filter(call=entry.call, kind=UNHOLD.name).exists()
    bob.refresh_from_db()
    assert bob.status == AgentStatus.WRAP_UP


def test_a_consulted_agent_who_hangs_up_while_the_completion_is_sent_ends_the_consultation(
    talking, consulting
):
    entry, bob, leg = talking, consulting.participant.agent, consulting.participant.call
    completing = ConversationAction.objects.create(
        call=entry.call,
        conference=consulting.conference,
        kind=services.COMPLETE_TRANSFER,
        state=ActionState.SENDING,
    )

    _ended(leg)
    services.record_leg_status(leg)

    consulting.refresh_from_db()
    assert consulting.state == ActionState.FAILED
    assert consulting.error_message == "Bob left; the customer is back with the first agent."
    assert ConversationAction.objects.filter(call=entry.call, kind=UNHOLD.name).count() == 1
    bob.refresh_from_db()
    assert bob.status == AgentStatus.WRAP_UP
    # The completion being sent finds nobody to hand the customer to, and fails.
    with pytest.raises(RuleViolation, match="No transfer is being consulted"):
        kind_named(completing.kind).perform(completing)


def test_an_earlier_consulted_target_s_late_end_leaves_the_completion_of_a_newer_one_alone(
    make_agent, talking, consulting
):
    # Bob's consultation was canceled; Cy is consulted now and being handed the customer.
    entry, bob_leg = talking, consulting.participant.call
    ConversationAction.objects.create(
        call=entry.call,
        conference=consulting.conference,
        kind=services.CANCEL_TRANSFER,
        state=ActionState.DONE,
    )
    cy = make_agent("Cy")
    newer = ConversationAction.objects.create(
        call=entry.call,
        conference=consulting.conference,
        kind=services.CONSULT,
        params={"agent": cy.pk},
        state=ActionState.DONE,
    )
    _dialed_in(entry, newer, cy.endpoint, role=Role.AGENT, endpoint=cy.endpoint, agent_id=cy.pk)
    ConversationAction.objects.create(
        call=entry.call,
        conference=consulting.conference,
        kind=services.COMPLETE_TRANSFER,
        state=ActionState.SENDING,
    )

    _ended(bob_leg)
    services.record_leg_status(bob_leg)  # Twilio's word of Bob's end, late

    consulting.refresh_from_db()
    assert consulting.state == ActionState.DONE
    assert not ConversationAction.objects.filter(call=entry.call, kind=UNHOLD.name).exists()
