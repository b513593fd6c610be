"""Transferring a live conversation from the board and the call's admin page: the agents
and queues it may go to are offered as pickers next to the number box, the one picked
is asked for as over the API, and a wrong pick is refused naming the field."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations.models import ConversationAction
from queues import services as queue_services
from queues.models import AgentStatus, EntryStatus, Queue, QueueEntry
from tests.conversations.test_screens import ROWS, action_url, in_conversation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BOARD = reverse("admin:console_board")
EVERY_TARGET = "Name exactly one of agent, queue, to."


def options(page: str, call, kind: str, field: str) -> list[str] | None:
    """The labels `field`'s picker offers in the form of `kind` for `call`; None without one."""
    form = re.search(rf'action="{re.escape(action_url(call, kind))}".*?</form>', page, re.S)
    picker = re.search(rf'<select name="{field}".*?</select>', form.group(0), re.S)
    return re.findall(r'<option value="\d+">([^<]*)</option>', picker.group(0)) if picker else None


def post(client, call, kind: str = "transfer", **fields) -> str:
    """Press the kind's button on the board with `fields` picked; the message shown after."""
    posted = {"agent": "", "queue": "", "to": "", "screen": "board", "next": BOARD, **fields}
    response = client.post(action_url(call, kind), posted, follow=True)
    assert response.redirect_chain == [(BOARD, 302)]
    [message] = [str(m) for m in response.context["messages"]]
    return message


def test_the_board_and_the_call_page_offer_available_agents_not_in_the_room_and_queues(
    supervisor, make_agent, queue
):
    call = in_conversation()
    make_agent("Ann")
    make_agent("Bob", available=False)
    in_the_room = make_agent("Cat")
    elsewhere = in_conversation(agent_id=in_the_room.pk)

    board = supervisor.get(ROWS).content.decode()
    call_page = supervisor.get(reverse("admin:calls_call_change", args=[call.pk]))
    for page in (board, call_page.content.decode()):
        assert options(page, call, "transfer", "agent") == ["Ann (available)", "Cat (available)"]
        assert options(page, call, "transfer", "queue") == ["Support"]
        assert options(page, call, "consult", "agent") == ["Ann (available)", "Cat (available)"]
        assert options(page, call, "consult", "queue") is None
    assert options(board, elsewhere, "transfer", "agent") == ["Ann (available)"]


def test_the_agent_picked_is_asked_for_as_over_the_api(supervisor, make_agent):
    call, ann = in_conversation(), make_agent("Ann")

    assert post(supervisor, call, agent=ann.pk) == "Transfer: asked."

    [action] = ConversationAction.objects.all()
    assert (action.kind, action.origin, action.params) == ("transfer", "board", {"agent": ann.pk})
    assert action.requested_by == supervisor.user


def test_the_queue_picked_is_asked_for(supervisor, queue):
    call = in_conversation()

    assert post(supervisor, call, queue=queue.pk) == "Transfer: asked."

    [action] = ConversationAction.objects.all()
    assert action.params == {"queue": queue.pk}


@pytest.mark.parametrize(
    "picked, message",
    [
        ({}, f"Transfer: refused. To: {EVERY_TARGET}"),
        ({"agent": "ann", "queue": "support"}, f"Transfer: refused. Queue: {EVERY_TARGET}"),
        ({"agent": "ann", "to": "+14155550190"}, f"Transfer: refused. To: {EVERY_TARGET}"),
    ],
)
def test_anything_but_one_target_is_refused_naming_the_field(
    supervisor, make_agent, queue, picked, message
):
    call = in_conversation()
    targets = {"ann": make_agent("Ann").pk, "support": queue.pk}
    fields = {name: targets.get(value, value) for name, value in picked.items()}

    assert post(supervisor, call, **fields) == message

    assert not ConversationAction.objects.exists()


def test_an_agent_no_longer_available_or_unknown_is_refused_naming_the_field(
    supervisor, make_agent
):
    call, ann = in_conversation(), make_agent("Ann")
    queue_services.set_agent_status(ann, AgentStatus.OFFLINE)

    refused = post(supervisor, call, "consult", agent=ann.pk)
    assert refused == "Consult (warm transfer): refused. Agent: Ann is signed out, not available."
    assert post(supervisor, call, agent=999999) == "Transfer: refused. Agent: No agent 999999."
    assert post(supervisor, call, agent="Ann") == "Transfer: Agent: Enter a whole number."
    assert not ConversationAction.objects.exists()


def test_the_pickers_cost_the_board_the_same_queries_for_one_conversation_or_many(
    supervisor, make_agent, queue
):
    """Every supervisor's board refreshes every 2 s: the agents and queues offered
    are read once for all its rows, never a query a row."""
    make_agent("Ann")
    in_conversation()
    with CaptureQueriesContext(connection) as one:
        supervisor.get(ROWS)
    for _ in range(4):
        in_conversation()
    with CaptureQueriesContext(connection) as five:
        page = supervisor.get(ROWS).content.decode()

    assert page.count("Ann (available)") == 10  # transfer and consult, on each of 5 rows
    assert len(five) == len(one)


def test_the_queue_picker_leaves_out_the_queue_the_caller_is_served_from(
    supervisor, make_agent, queue
):
    """A blind transfer back to the caller's own queue would only put them at its back."""
    Queue.objects.create(name="Sales")
    served, now = in_conversation(), timezone.now()
    QueueEntry.objects.create(
        queue=queue, call=served, status=EntryStatus.CONNECTED, enqueued_at=now, rank=now
    )
    elsewhere = in_conversation()

    board = supervisor.get(ROWS).content.decode()
    call_page = supervisor.get(reverse("admin:calls_call_change", args=[served.pk]))
    for page in (board, call_page.content.decode()):
        assert options(page, served, "transfer", "queue") == ["Sales"]
    assert options(board, elsewhere, "transfer", "queue") == ["Sales", "Support"]
