"""A supervisor in the room switches between listening, whispering and barging in on
the one call that brought them in, as each party's transcript shows."""

from __future__ import annotations

import pytest

from conversations.models import ActionState, ConversationAction, Participant
from tests.conversations.test_conversation_e2e import api as api
from tests.conversations.test_conversation_e2e import asked, joined, says
from tests.conversations.test_conversation_e2e import talking as talking
from tests.queues.test_e2e import support as support
from tests.support.processes import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

# This test's own: voicesim lives for the whole run and keeps every call it placed.
SUPERVISOR_PHONE = "+14155550780"


def flags(participant: Participant) -> tuple[bool, bool]:
    """(muted, coaching) as the conference callbacks last told the back office."""
    participant.refresh_from_db()
    return participant.muted, participant.coaching


def test_a_supervisor_listens_then_whispers_then_barges_on_one_call(stack, talking, api):
    caller, ann = talking.call.sid, talking.agent_leg.sid

    listening = asked(api, talking, "listen", to=SUPERVISOR_PHONE)
    supervisor = joined(stack, listening)
    wait_until(lambda: flags(listening.participant) == (True, False))
    assert says(stack, supervisor, "Just listening.") == set()
    assert says(stack, caller, "My order is late.") == {ann, supervisor}

    whispering = asked(api, talking, "whisper", to="(415) 555-0780")
    assert whispering.participant == listening.participant
    wait_until(lambda: flags(listening.participant) == (False, True))
    assert says(stack, supervisor, "Offer a refund.") == {ann}

    barging = asked(api, talking, "barge", to=SUPERVISOR_PHONE)
    assert barging.participant == listening.participant
    wait_until(lambda: flags(listening.participant) == (False, False))
    assert says(stack, supervisor, "I can help.") == {caller, ann}

    assert len(stack.client.calls.list(to=SUPERVISOR_PHONE)) == 1
    again = api.post(
        f"calls/{caller}/conversation/actions/", json={"kind": "barge", "to": SUPERVISOR_PHONE}
    )
    assert (again.status_code, list(again.json())) == (400, ["to"])
    supervised = ConversationAction.objects.filter(kind__in=("listen", "whisper", "barge"))
    assert list(supervised.values_list("state", flat=True)) == [ActionState.DONE] * 3
