"""End to end: a campaign contact handed to an agent is a caller like any other when a
transfer's target does not answer: back on hold in the campaign's queue with their
first wait, told so, until an agent is free. Real worker with beat, voicesim."""

from __future__ import annotations

import pytest

from campaigns.models import ContactOutcome
from conversations.models import Participant
from queues.models import EntryStatus, QueueEntry
from queues.twiml import BACK_ON_HOLD
from tests.conversations.test_conversation_e2e import says
from tests.queues.test_e2e import NO_ANSWER, heard, refreshed, said_on
from tests.support.api_clients import live_api_client
from tests.support.processes import wait_until

from .test_agent_e2e import ann as ann
from .test_agent_e2e import done, entry_with, started_for
from .test_agent_e2e import sales as sales

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def test_a_contact_whose_transfer_nobody_answers_waits_again_for_an_agent(
    live_server, stack, sales, ann
):
    target = started_for(sales)
    first = entry_with(target, EntryStatus.CONNECTED)
    second = entry_with(target, EntryStatus.WAITING)
    contact = first.call.sid
    in_the_room = Participant.objects.filter(conference__call=first.call, joined_at__isnull=False)
    wait_until(lambda: in_the_room.count() == 2)

    with live_api_client(live_server, "Integrations") as api:
        answer = api.post(
            f"calls/{contact}/conversation/actions/", json={"kind": "transfer", "to": NO_ANSWER}
        )
    assert answer.status_code == 202, answer.text
    wait_until(lambda: said_on(stack, contact)[-1:] == [BACK_ON_HOLD])

    again = QueueEntry.objects.get(transferred_from=first)
    assert again.enqueued_at == first.enqueued_at

    # Ann, free once she had handed the contact over, may have taken the other person
    # meanwhile; once that one hangs up, she takes the contact back.
    stack.sim("POST", f"calls/{second.call.sid}/hangup")
    wait_until(lambda: refreshed(again).status == EntryStatus.CONNECTED)
    assert again.agent == ann
    wait_until(lambda: heard(stack, again.agent_leg.sid, "conference-joined"))
    assert says(stack, again.agent_leg.sid, "Ann again, sorry about that.") == {contact}

    stack.sim("POST", f"calls/{contact}/hangup")
    assert done(first.call.campaign_attempt.contact).outcome == (ContactOutcome.CONNECTED_TO_AGENT)
