"""Transfers on voicesim with a real worker and beat, asked over the API as an agent
desktop would: warm (consult, then complete or cancel) and blind (to a queue, to an
outside number). Each party's transcript tells whom they heard; the queue's figures
count the transferred caller's wait once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from calls.models import Call, CallStatus
from conversations.models import ActionState, ConversationAction, Role
from queues.models import (
    Agent,
    AgentStatus,
    EndpointKind,
    EntryOutcome,
    EntryStatus,
    Queue,
    QueueEntry,
)
from queues.services.transfers import TRANSFERRED_TO_QUEUE
from tests.conversations.test_conversation_e2e import api as api
from tests.conversations.test_conversation_e2e import joined, says, speech
from tests.conversations.test_conversation_e2e import talking as talking
from tests.queues.test_e2e import agent, heard, refreshed, said_on, sign_in, todays_figures
from tests.queues.test_e2e import support as support
from tests.support.api_clients import live_api_client
from tests.support.processes import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

OUTSIDE = "+14155550190"
TRANSFER_KINDS = ("transfer", "consult", "complete-transfer", "cancel-transfer")


@pytest.fixture
def bob(support, api) -> Agent:
    """A second agent, signed in."""
    bob = agent(support, "Bob", EndpointKind.NUMBER, "+14155550124")
    sign_in(api, bob)
    return bob


def asked(
    api, entry: QueueEntry, kind: str, *, until: str = ActionState.DONE, **fields
) -> ConversationAction:
    """Ask for an action over the API, as an agent desktop does; wait until it is done
    (or has reached the state `until`)."""
    answer = api.post(
        f"calls/{entry.call.sid}/conversation/actions/", json={"kind": kind, **fields}
    )
    assert answer.status_code == 202, answer.text
    actions = ConversationAction.objects.filter(pk=answer.json()["id"])
    wait_until(
        lambda: actions.filter(state=until).exists(),
        explain=lambda: actions.values("state", "error_code", "error_message").get(),
    )
    return actions.get()


def timeline(api, entry: QueueEntry) -> list[tuple[str, str, str]]:
    """The call's timeline as the API gives it: (kind, what, detail) of each moment."""
    moments = api.get(f"calls/{entry.call.sid}/timeline/").json()["moments"]
    return [(m["kind"], m["what"], m["detail"]) for m in moments]


def status_of(agent: Agent) -> str:
    return Agent.objects.get(pk=agent.pk).status


def left(stack, sid: str) -> bool:
    return bool(heard(stack, sid, "conference-left"))


def consulting(stack, api, talking, bob) -> str:
    """Ann consults Bob while the caller holds; Bob's call SID once he is in the room."""
    caller, ann = talking.call.sid, talking.agent_leg.sid
    consult = asked(api, talking, "consult", agent=bob.pk)
    bob_sid = joined(stack, consult)
    wait_until(lambda: [h for h in heard(stack, caller, "heard") if h["source"] == "hold-music"])
    assert status_of(bob) == AgentStatus.ON_CALL
    assert says(stack, ann, "Bob, I have a billing question for you.") == {bob_sid}
    assert says(stack, bob_sid, "Put them through.") == {ann}
    assert says(stack, caller, "Hello?") == set()
    return bob_sid


def test_a_completed_warm_transfer_leaves_the_caller_with_the_second_agent(
    stack, support, talking, api, bob
):
    caller, ann = talking.call.sid, talking.agent_leg.sid
    bob_sid = consulting(stack, api, talking, bob)

    asked(api, talking, "complete-transfer")
    wait_until(lambda: left(stack, ann))
    assert says(stack, bob_sid, "Hello, Bob from billing.") == {caller}
    assert says(stack, caller, "Hi Bob.") == {bob_sid}
    assert speech(stack, caller)[-1] == "Hello, Bob from billing."
    assert "Bob, I have a billing question for you." not in speech(stack, caller)
    assert "Hi Bob." not in speech(stack, ann)
    wait_until(lambda: status_of(talking.agent) == AgentStatus.WRAP_UP)
    assert status_of(bob) == AgentStatus.ON_CALL
    entry = refreshed(talking)
    assert (entry.agent, entry.outcome) == (bob, EntryOutcome.TRANSFERRED)
    # The call's timeline tells the transfer and the hold with its length.
    moments = timeline(api, talking)
    assert ("transfer", "Consulting Bob", "warm transfer: the customer holds") in moments
    assert (
        "transfer",
        "Transferred to Bob",
        "warm transfer completed: the first agent left",
    ) in moments
    [hold] = [m for m in moments if m[0] == "hold"]
    assert hold[1] == "Customer on hold" and hold[2].endswith(" s")

    # Bob hangs up: the room ends and the caller hears the survey, as with one agent.
    stack.sim("POST", f"calls/{bob_sid}/hangup")
    wait_until(lambda: "Rate your agent. Press a key from 1 to 5." in said_on(stack, caller))
    wait_until(lambda: status_of(bob) == AgentStatus.WRAP_UP)
    stack.sim("POST", f"calls/{caller}/hangup")
    wait_until(lambda: refreshed(talking).status == EntryStatus.ENDED)
    figures = todays_figures(api, support)
    assert (figures["entries"], figures["answered"], figures["transferred"]) == (1, 1, 1)


def test_a_canceled_warm_transfer_brings_the_caller_back_to_the_first_agent(
    stack, talking, api, bob
):
    caller, ann = talking.call.sid, talking.agent_leg.sid
    bob_sid = consulting(stack, api, talking, bob)

    cancel = asked(api, talking, "cancel-transfer")
    assert cancel.participant.call_sid == bob_sid
    wait_until(lambda: left(stack, bob_sid))
    assert says(stack, ann, "Sorry for the wait, I will help you myself.") == {caller}
    assert says(stack, caller, "Thank you.") == {ann}
    assert speech(stack, caller) == ["Sorry for the wait, I will help you myself."]
    # Bob heard the consultation and nothing of the customer.
    assert speech(stack, bob_sid) == ["Bob, I have a billing question for you."]
    assert status_of(bob) == AgentStatus.AVAILABLE
    assert status_of(talking.agent) == AgentStatus.ON_CALL
    assert refreshed(talking).outcome == EntryOutcome.CONNECTED


def test_a_consulted_agent_who_hangs_up_brings_the_caller_back_to_the_first_agent(
    stack, talking, api, bob
):
    caller, ann = talking.call.sid, talking.agent_leg.sid
    bob_sid = consulting(stack, api, talking, bob)
    consult = ConversationAction.objects.filter(call=talking.call, kind="consult")

    stack.sim("POST", f"calls/{bob_sid}/hangup")
    wait_until(lambda: consult.filter(state=ActionState.FAILED).exists())
    said = "Bob left; the customer is back with the first agent."
    assert consult.get().error_message == said
    assert ("action", "Consult: failed", said) in timeline(api, talking)
    unhold = ConversationAction.objects.filter(call=talking.call, kind="unhold")
    wait_until(lambda: unhold.filter(state=ActionState.DONE).exists())
    assert says(stack, ann, "Bob had to go; I will help you myself.") == {caller}
    assert says(stack, caller, "Thank you.") == {ann}
    assert speech(stack, caller) == ["Bob had to go; I will help you myself."]
    wait_until(lambda: status_of(bob) == AgentStatus.WRAP_UP)
    assert status_of(talking.agent) == AgentStatus.ON_CALL
    assert refreshed(talking).outcome == EntryOutcome.CONNECTED

    answer = api.post(
        f"calls/{talking.call.sid}/conversation/actions/", json={"kind": "complete-transfer"}
    )
    assert (answer.status_code, answer.json()) == (
        409,
        {"detail": "No transfer is being consulted.", "code": "absent"},
    )


def test_a_blind_transfer_to_a_queue_puts_the_caller_back_on_hold_counted_once(
    stack, support, talking, api
):
    caller, ann = talking.call.sid, talking.agent_leg.sid
    billing = Queue.objects.create(name="Billing", auto_distribute=False)

    asked(api, talking, "transfer", queue=billing.pk)
    wait_until(lambda: TRANSFERRED_TO_QUEUE in said_on(stack, caller))
    wait_until(
        lambda: any(p["url"].endswith("hold-music.wav") for p in heard(stack, caller, "play"))
    )
    wait_until(lambda: left(stack, ann))
    wait_until(lambda: Call.objects.get(sid=ann).status == CallStatus.COMPLETED)
    first = refreshed(talking)
    assert (first.status, first.outcome) == (EntryStatus.ENDED, EntryOutcome.TRANSFERRED)
    assert (
        "transfer",
        "Transferred to queue Billing",
        "blind: back on hold, keeping the original wait",
    ) in timeline(api, talking)
    second = QueueEntry.objects.get(queue=billing)
    assert (second.status, second.transferred_from) == (EntryStatus.WAITING, first)
    assert second.enqueued_at == first.enqueued_at
    wait_until(lambda: status_of(talking.agent) == AgentStatus.WRAP_UP)

    # The caller gives up in the second queue: their wait was counted in the first.
    stack.sim("POST", f"calls/{caller}/hangup")
    wait_until(lambda: refreshed(second).status == EntryStatus.ENDED)
    support_day = todays_figures(api, support)
    assert (support_day["entries"], support_day["answered"], support_day["transferred"]) == (
        1,
        1,
        1,
    )
    today = timezone.localdate().isoformat()
    billing_days = api.get(f"queues/{billing.pk}/figures/", params={"since": today, "until": today})
    assert billing_days.json() == []


def test_a_blind_transfer_to_a_number_hands_the_caller_to_it(stack, support, talking, api):
    caller, ann = talking.call.sid, talking.agent_leg.sid

    transfer = asked(api, talking, "transfer", to="(415) 555-0190")
    assert transfer.params == {"to": OUTSIDE}
    outside = joined(stack, transfer)
    assert transfer.participant.role == Role.THIRD_PARTY
    wait_until(lambda: left(stack, ann))
    assert says(stack, outside, "Billing desk.") == {caller}
    assert says(stack, caller, "Hello billing.") == {outside}
    wait_until(lambda: status_of(talking.agent) == AgentStatus.WRAP_UP)
    assert refreshed(talking).outcome == EntryOutcome.TRANSFERRED

    # The number hangs up: the caller goes on to the survey.
    stack.sim("POST", f"calls/{outside}/hangup")
    wait_until(lambda: "Rate your agent. Press a key from 1 to 5." in said_on(stack, caller))


def test_a_viewer_is_refused_every_transfer(live_server, stack, talking, bob):
    with live_api_client(live_server, "Viewers") as viewer:
        for kind in TRANSFER_KINDS:
            answer = viewer.post(
                f"calls/{talking.call.sid}/conversation/actions/",
                json={"kind": kind, "agent": bob.pk},
            )
            assert answer.status_code == 403, (kind, answer.text)
    assert not ConversationAction.objects.filter(kind__in=TRANSFER_KINDS).exists()


def test_bad_transfers_name_the_field_and_change_nothing(stack, talking, api, bob):
    url = f"calls/{talking.call.sid}/conversation/actions/"

    def refused(**body) -> dict:
        answer = api.post(url, json=body)
        assert answer.status_code == 400, answer.text
        return answer.json()

    assert refused(kind="transfer", to="12").keys() == {"to"}
    assert refused(kind="transfer", agent=999999).keys() == {"agent"}
    assert refused(kind="transfer", agent=talking.agent.pk).keys() == {"agent"}
    assert refused(kind="transfer", queue="billing").keys() == {"queue"}
    assert refused(kind="transfer", agent=bob.pk, to=OUTSIDE).keys() == {"to"}
    assert refused(kind="transfer").keys() == {"to"}
    assert refused(kind="consult", queue=talking.queue.pk).keys() == {"queue"}
    assert refused(kind="complete-transfer", agent=bob.pk).keys() == {"agent"}
    nothing = api.post(url, json={"kind": "complete-transfer"})
    assert (nothing.status_code, nothing.json()["code"]) == (409, "absent")
    ended = Call.objects.create(to_number="+14155550100", status=CallStatus.COMPLETED)
    answer = api.post(f"calls/{ended.pk}/conversation/actions/", json={"kind": "transfer"})
    assert (answer.status_code, answer.json()["code"]) == (409, "no_conversation")
    assert not ConversationAction.objects.filter(kind__in=TRANSFER_KINDS).exists()
    assert status_of(bob) == AgentStatus.AVAILABLE
