"""Transfers whose target never answers, on voicesim with a real worker and beat: the
caller of a blind transfer is not left alone in the room but back on hold at the head
of their queue, and reaches the next agent free; the customer of a consultation is
back with the first agent. The step and the call's timeline say who did not answer."""

from __future__ import annotations

import pytest

from conversations.models import ActionState, ConversationAction
from queues.models import AgentStatus, EndpointKind, EntryOutcome, EntryStatus, QueueEntry
from queues.twiml import BACK_ON_HOLD
from tests.conversations.test_conversation_e2e import api as api
from tests.conversations.test_conversation_e2e import says
from tests.conversations.test_conversation_e2e import talking as talking
from tests.conversations.test_transfer_e2e import asked, status_of, timeline
from tests.conversations.test_transfer_e2e import bob as bob
from tests.queues.test_e2e import NO_ANSWER, agent, call_in, heard, refreshed, said_on, sign_in
from tests.queues.test_e2e import support as support
from tests.support.processes import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture
def nobody(support, api):
    """An agent signed in whose phone rings out."""
    nobody = agent(support, "Nobody", EndpointKind.NUMBER, NO_ANSWER)
    sign_in(api, nobody)
    return nobody


def back_on_hold_then_served(stack, api, talking, bob) -> QueueEntry:
    """The transferred caller hears they are back on hold, in a new stay at the head of
    their queue with their first wait; Bob, free once the queue is served, takes them."""
    caller = talking.call.sid
    wait_until(lambda: said_on(stack, caller)[-1:] == [BACK_ON_HOLD])
    wait_until(
        lambda: any(p["url"].endswith("hold-music.wav") for p in heard(stack, caller, "play"))
    )
    first = refreshed(talking)
    assert (first.status, first.outcome, first.agent) == (
        EntryStatus.ENDED,
        EntryOutcome.TRANSFERRED,
        talking.agent,
    )
    again = QueueEntry.objects.get(transferred_from=first)
    assert (again.queue, again.status, again.enqueued_at) == (
        first.queue,
        EntryStatus.WAITING,
        first.enqueued_at,
    )
    assert again.rank < QueueEntry.objects.get(call__from_number="+14155550102").rank
    wait_until(lambda: status_of(talking.agent) == AgentStatus.WRAP_UP)

    first.queue.auto_distribute = True
    first.queue.save(update_fields=["auto_distribute"])
    wait_until(lambda: refreshed(again).status == EntryStatus.CONNECTED)
    assert again.agent == bob
    wait_until(lambda: heard(stack, again.agent_leg.sid, "conference-joined"))
    assert says(stack, again.agent_leg.sid, "Bob here, sorry for the wait.") == {caller}
    return again


def test_a_blind_transfer_to_a_number_nobody_answers_puts_the_caller_back_on_hold(
    stack, support, talking, api, bob
):
    call_in(stack, "+14155550102")  # a caller who waited less, served after ours
    transfer = asked(api, talking, "transfer", to=NO_ANSWER, until=ActionState.FAILED)
    said = f"{NO_ANSWER} did not answer (Twilio: no-answer); the caller is back on hold in Support."
    assert transfer.error_message == said
    moments = timeline(api, talking)
    assert ("action", "Transfer: failed", said) in moments
    assert not [m for m in moments if m[1].startswith("Transferred to")]

    back_on_hold_then_served(stack, api, talking, bob)


def test_a_blind_transfer_to_an_agent_who_does_not_answer_is_a_missed_offer(
    stack, support, talking, api, bob, nobody
):
    call_in(stack, "+14155550102")
    transfer = asked(api, talking, "transfer", agent=nobody.pk, until=ActionState.FAILED)
    said = "Nobody did not answer (Twilio: no-answer); the caller is back on hold in Support."
    assert transfer.error_message == said
    assert ("action", "Transfer: failed", said) in timeline(api, talking)
    # As after a missed offer: signed out until they sign in again.
    assert status_of(nobody) == AgentStatus.OFFLINE

    back_on_hold_then_served(stack, api, talking, bob)
    assert status_of(nobody) == AgentStatus.OFFLINE


def test_a_consulted_agent_who_does_not_answer_leaves_the_customer_with_the_first_agent(
    stack, talking, api, bob, nobody
):
    caller, ann = talking.call.sid, talking.agent_leg.sid
    consult = asked(api, talking, "consult", agent=nobody.pk, until=ActionState.FAILED)
    assert consult.error_message == (
        "Nobody did not answer (Twilio: no-answer); the customer is back with the first agent."
    )
    assert status_of(nobody) == AgentStatus.OFFLINE
    unhold = ConversationAction.objects.filter(call=talking.call, kind="unhold")
    wait_until(lambda: unhold.filter(state=ActionState.DONE).exists())
    assert says(stack, ann, "Sorry, nobody is there; I will help you myself.") == {caller}
    assert says(stack, caller, "Thank you.") == {ann}
    assert status_of(talking.agent) == AgentStatus.ON_CALL
    entry = refreshed(talking)
    assert (entry.status, entry.agent) == (EntryStatus.CONNECTED, talking.agent)

    # The consultation is over: Ann may consult someone else.
    asked(api, talking, "consult", agent=bob.pk)
