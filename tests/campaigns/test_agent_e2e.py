"""End to end: a campaign whose content is "connect to an agent" puts each person who
answers in its queue, as an inbound caller would be: hold music, then the agent in a
conference named for the call, and the queue's survey when the agent hangs up. Each
contact's outcome says whether an agent took them. Real worker with beat, voicesim."""

from __future__ import annotations

import pytest

from campaigns.models import Campaign, Contact, ContactOutcome, ContactState
from campaigns.services import lifecycle
from conversations.models import Conference, Role
from queues.models import (
    Agent,
    EndpointKind,
    EntryOutcome,
    EntryStatus,
    QuestionKind,
    Queue,
    QueueEntry,
    Survey,
)
from tests.conversations.test_conversation_e2e import says, speech
from tests.queues.test_e2e import heard, said_on, sign_in
from tests.support.api_clients import live_api_client
from tests.support.processes import wait_until
from tests.support.voicesim import VoiceSim

from .factories import campaign, with_contacts

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ANN = "+14155550123"
CONTACTS = ("+14155550201", "+14155550202")  # voicesim's phonebook: people who stay on
GREETING = "Please hold for Ann."
QUESTION = "Rate your agent. Press a key from 1 to 5."


@pytest.fixture
def sales(stack: VoiceSim) -> Queue:
    survey = Survey.objects.create(name="After the call")
    survey.questions.create(position=1, kind=QuestionKind.RATING, prompt="Rate your agent.")
    return Queue.objects.create(name="Sales", survey=survey, greeting=GREETING)


@pytest.fixture
def ann(live_server, stack: VoiceSim, sales: Queue) -> Agent:
    """Ann, signed in over the API as an agent desktop would, back from each call at once."""
    agent = Agent.objects.create(
        name="Ann", endpoint_kind=EndpointKind.NUMBER, endpoint=ANN, wrap_up_seconds=0
    )
    agent.queues.add(sales)
    with live_api_client(live_server, "Integrations") as api:
        sign_in(api, agent)
    return agent


def started_for(queue: Queue) -> Campaign:
    """Two people called at once, each handed to an agent of `queue` once they answer."""
    target = campaign(name="Renewals", content_kind="agent", queue=queue, calls_per_second=5)
    with_contacts(target, *(f"{number},Bo" for number in CONTACTS))
    lifecycle.start(target.pk)
    return target


def entries_of(target: Campaign) -> list[QueueEntry]:
    calls = target.contacts.values("last_call")
    return list(QueueEntry.objects.filter(call__in=calls).select_related("call"))


def entry_with(target: Campaign, status: str) -> QueueEntry:
    """The campaign's first call in the queue with `status` (dialing takes a few seconds)."""
    return wait_until(
        lambda: next((e for e in entries_of(target) if e.status == status), None),
        timeout=30,
        explain=lambda: (
            [
                (c.phone_number, c.state, c.outcome, c.last_call and c.last_call.status)
                for c in target.contacts.select_related("last_call")
            ]
            + [(e.status, e.outcome) for e in entries_of(target)]
        ),
    )


def done(contact: Contact) -> Contact:
    wait_until(lambda: Contact.objects.get(pk=contact.pk).state == ContactState.DONE)
    return Contact.objects.get(pk=contact.pk)


def test_the_first_to_answer_meets_the_agent_and_the_other_waits_for_her(stack, sales, ann):
    target = started_for(sales)

    first = entry_with(target, EntryStatus.CONNECTED)
    contact = first.call.sid
    room = wait_until(lambda: heard(stack, contact, "conference-joined"))[-1]["conference"]
    # The campaign's message and the queue's greeting, then the room (with Ann free at
    # once, the hold music may be cut before it starts: the one who waits hears it).
    assert said_on(stack, contact) == ["Hello Bo, your appointment is tomorrow.", GREETING]
    events = [e["event"] for e in stack.transcript(contact)]
    assert events.index("say") < events.index("conference-joined")
    conference = wait_until(lambda: Conference.objects.filter(call=first.call, sid=room).first())
    assert conference.friendly_name == f"call-{contact}"
    customer = conference.participants.get(role=Role.CUSTOMER)
    assert customer.endpoint == first.call.to_number  # the person, not our caller ID
    agent_leg = wait_until(lambda: QueueEntry.objects.get(pk=first.pk).agent_leg).sid
    wait_until(lambda: heard(stack, agent_leg, "conference-joined"))
    assert says(stack, agent_leg, "Hello Bo, Ann speaking.") == {contact}
    assert speech(stack, contact) == ["Hello Bo, Ann speaking."]

    # The other person holds while Ann talks.
    second = entry_with(target, EntryStatus.WAITING)
    assert GREETING in said_on(stack, second.call.sid)
    music = wait_until(lambda: heard(stack, second.call.sid, "play"))
    assert music[0]["url"].endswith("/static/queues/hold-music.wav")

    # Ann hangs up: her caller hears the survey; she is free, and the other meets her.
    stack.sim("POST", f"calls/{agent_leg}/hangup")
    wait_until(lambda: QUESTION in said_on(stack, contact))
    stack.sim("POST", f"calls/{contact}/hangup")
    wait_until(lambda: QueueEntry.objects.get(pk=second.pk).status == EntryStatus.CONNECTED)
    wait_until(lambda: heard(stack, second.call.sid, "conference-joined"))
    stack.sim("POST", f"calls/{second.call.sid}/hangup")

    outcomes = {c.last_call_id: done(c).outcome for c in target.contacts.all()}
    assert outcomes == {
        first.call_id: ContactOutcome.CONNECTED_TO_AGENT,
        second.call_id: ContactOutcome.CONNECTED_TO_AGENT,
    }


def test_a_person_who_hangs_up_on_hold_is_answered_with_no_agent(live_server, stack, sales, ann):
    target = started_for(sales)

    first = entry_with(target, EntryStatus.CONNECTED)
    second = entry_with(target, EntryStatus.WAITING)
    wait_until(lambda: heard(stack, second.call.sid, "play"))
    with live_api_client(live_server, "Integrations") as api:
        shown = api.get(f"queue-entries/{second.pk}/").json()
    assert shown["caller"] == second.call.to_number in CONTACTS
    stack.sim("POST", f"calls/{second.call.sid}/hangup")
    wait_until(lambda: QueueEntry.objects.get(pk=second.pk).outcome == EntryOutcome.ABANDONED)
    stack.sim("POST", f"calls/{first.call.sid}/hangup")

    outcomes = {c.last_call_id: done(c).outcome for c in target.contacts.all()}
    assert outcomes == {
        first.call_id: ContactOutcome.CONNECTED_TO_AGENT,
        second.call_id: ContactOutcome.NO_AGENT,
    }
