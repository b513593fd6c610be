"""A transfer's target whose leg ends unanswered, whenever Twilio says so: before the
step has handed the room over, and more than once."""

from __future__ import annotations

import pytest

from calls.models import CallStatus, Redirect
from conversations import services as conversation_services
from conversations.models import ActionState, ConversationAction, Role
from queues import selectors, services
from queues.models import AgentStatus, EntryOutcome, EntryStatus, QueueEntry
from queues.twiml import BACK_ON_HOLD
from tests.queues.conftest import live_call

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BUSY = "+15550001001"


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
        label=services.target_label(step),
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
