"""Callers on voicesim wait on hold, reach agents and answer the survey, with the
back office on a live server and a real Celery worker with beat.

What the caller heard is read from voicesim's transcript; what the back office
recorded is read from the database.
"""

from __future__ import annotations

import httpx
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from calls.models import Call, CallStatus
from queues.models import (
    Agent,
    AgentStatus,
    EndpointKind,
    EntryOutcome,
    EntryStatus,
    InboundNumber,
    QuestionKind,
    Queue,
    QueueEntry,
    Survey,
    SurveyResponse,
)
from queues.twiml import BACK_ON_HOLD
from tests.api.records import member_of
from tests.support.processes import wait_until
from tests.support.voicesim import VoiceSim

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

OUR_NUMBER = "+14155559000"
NO_ANSWER = "+15550002001"  # voicesim's phonebook: rings out


@pytest.fixture
def support(stack: VoiceSim) -> Queue:
    survey = Survey.objects.create(name="After the call")
    survey.questions.create(position=1, kind=QuestionKind.RATING, prompt="Rate your agent.")
    queue = Queue.objects.create(name="Support", survey=survey, auto_distribute=False)
    InboundNumber.objects.create(phone_number=OUR_NUMBER, queue=queue)
    return queue


@pytest.fixture
def api(live_server, stack_without_worker) -> httpx.Client:
    user = member_of(
        None,
        perms=["queues.view_queue", "queues.change_agent", "calls.control_call"],
    )
    token = Token.objects.create(user=user)
    with httpx.Client(
        base_url=f"{live_server.url}/api/v1/",
        headers={"Authorization": f"Token {token.key}"},
        timeout=10,
    ) as client:
        yield client


def agent(queue: Queue, name: str, kind: str, endpoint: str) -> Agent:
    created = Agent.objects.create(
        name=name, endpoint_kind=kind, endpoint=endpoint, ring_timeout=20, wrap_up_seconds=600
    )
    created.queues.add(queue)
    return created


def sign_in(api: httpx.Client, who: Agent) -> None:
    api.post(f"agents/{who.pk}/status/", json={"status": "available"}).raise_for_status()


def call_in(sim: VoiceSim, from_number: str) -> tuple[str, QueueEntry]:
    """A caller dials our number, whose voice URL and status callback are the product's."""
    created = sim.sim(
        "POST",
        "inbound",
        json={
            "from": from_number,
            "to": OUR_NUMBER,
            "url": settings.PUBLIC_BASE_URL + reverse("queues:voice"),
            "status_callback": settings.PUBLIC_BASE_URL + reverse("calls-webhooks:status"),
            "status_callback_event": "initiated ringing answered completed",
        },
    ).json()
    entry = wait_until(lambda: QueueEntry.objects.filter(call__sid=created["sid"]).first())
    return created["sid"], entry


def heard(sim: VoiceSim, sid: str, event: str) -> list[dict]:
    return [entry for entry in sim.transcript(sid) if entry["event"] == event]


def said_on(sim: VoiceSim, sid: str) -> list[str]:
    return [entry["text"] for entry in heard(sim, sid, "say")]


def connected_leg(sim: VoiceSim, sid: str) -> dict:
    """The agent's call that answered the caller: in the caller's conference with them.

    `to` is where it rang, `leg` its SID (the caller hears whoever is in the room).
    """
    room = wait_until(lambda: heard(sim, sid, "conference-joined"))[-1]["conference"]

    def agent_in_the_room():
        participants = sim.client.conferences(room).participants.list()
        return next((p for p in participants if p.call_sid != sid), None)

    agent_sid = wait_until(agent_in_the_room).call_sid
    wait_until(lambda: heard(sim, agent_sid, "conference-joined"))
    return {"to": sim.client.calls(agent_sid).fetch().to, "leg": agent_sid}


def todays_figures(api: httpx.Client, queue: Queue) -> dict:
    today = timezone.localdate().isoformat()
    days = api.get(f"queues/{queue.pk}/figures/", params={"since": today, "until": today})
    [figures] = days.json()
    return figures


def refreshed(entry: QueueEntry) -> QueueEntry:
    entry.refresh_from_db()
    return entry


def test_callers_reach_each_kind_of_agent_and_rate_them(stack, support, api):
    agents = [
        agent(support, "Ann", EndpointKind.NUMBER, "+14155550123"),
        agent(support, "Sip", EndpointKind.SIP, "sip:sip@pbx.example.com"),
        agent(support, "Cli", EndpointKind.CLIENT, "cli_desk"),
    ]
    for each in agents:
        sign_in(api, each)
    callers = [call_in(stack, f"+1415555010{n}") for n in range(3)]
    first_sid = callers[0][0]

    # Greeting, then the hold music that loops until someone takes the caller.
    wait_until(lambda: heard(stack, first_sid, "play"))
    assert said_on(stack, first_sid) == [support.greeting]
    assert heard(stack, first_sid, "play")[0]["url"].endswith("/static/queues/hold-music.wav")
    assert heard(stack, first_sid, "play")[0]["loop"] == support.hold_loop

    for (_, entry), each in zip(callers, agents, strict=True):
        taken = api.post(f"queue-entries/{entry.pk}/take-off-hold/", json={"agent": each.pk})
        assert taken.status_code == 202, taken.text
    dialed = {sid: connected_leg(stack, sid) for sid, _ in callers}
    assert [dialed[sid]["to"] for sid, _ in callers] == [
        "+14155550123",
        "sip:sip@pbx.example.com",
        "client:cli_desk",
    ]
    for _, entry in callers:
        wait_until(lambda entry=entry: refreshed(entry).status == EntryStatus.CONNECTED)
        assert entry.agent_leg.sid == dialed[entry.call.sid]["leg"]

    # Ann hangs up: her caller hears the survey and presses 4.
    stack.sim("POST", f"calls/{dialed[first_sid]['leg']}/hangup")
    question = "Rate your agent. Press a key from 1 to 5."
    wait_until(lambda: question in said_on(stack, first_sid))
    stack.sim("POST", f"calls/{first_sid}/digits", json={"digits": "4"})
    response = wait_until(lambda: SurveyResponse.objects.filter(call__sid=first_sid).first())
    assert (response.score, response.agent, response.queue) == (4, agents[0], support)
    wait_until(lambda: Call.objects.get(sid=first_sid).status == CallStatus.COMPLETED)
    assert said_on(stack, first_sid) == [
        support.greeting,
        support.survey.introduction,
        question,
        support.survey.closing,
    ]

    # A supervisor sends the SIP agent's caller to the survey mid-conversation: they
    # hear it once.
    sip_sid, sip_entry = callers[1]
    api.post(f"queue-entries/{sip_entry.pk}/send-to-survey/").raise_for_status()
    wait_until(lambda: question in said_on(stack, sip_sid))
    assert said_on(stack, sip_sid).count(support.survey.introduction) == 1

    # Both hang up without answering: no more responses, agents wrap up.
    for sid, _ in callers[1:]:
        stack.sim("POST", f"calls/{sid}/hangup")
    for each in agents:
        wait_until(lambda each=each: Agent.objects.get(pk=each.pk).status == AgentStatus.WRAP_UP)
    assert SurveyResponse.objects.count() == 1

    figures = todays_figures(api, support)
    assert (figures["entries"], figures["answered"], figures["abandoned"]) == (3, 3, 0)
    assert figures["abandonment_rate"] == 0.0
    assert figures["survey_average"] == 4.0


def test_an_unanswered_agent_sends_the_caller_back_to_the_head_of_the_queue(stack, support, api):
    nobody = agent(support, "Nobody", EndpointKind.NUMBER, NO_ANSWER)
    bob = agent(support, "Bob", EndpointKind.NUMBER, "+14155550124")
    sign_in(api, nobody)
    first_sid, first = call_in(stack, "+14155550101")
    second_sid, second = call_in(stack, "+14155550102")

    api.post(f"queue-entries/{second.pk}/take-off-hold/", json={}).raise_for_status()
    wait_until(lambda: refreshed(second).status == EntryStatus.WAITING and second.offers == 1)
    assert Agent.objects.get(pk=nobody.pk).status == AgentStatus.OFFLINE
    wait_until(lambda: said_on(stack, second_sid)[-1] == BACK_ON_HOLD)
    assert refreshed(second).rank < refreshed(first).rank

    # The distributor serves the head of the queue first once an agent is free.
    Queue.objects.filter(pk=support.pk).update(auto_distribute=True)
    sign_in(api, bob)
    wait_until(lambda: refreshed(second).status == EntryStatus.CONNECTED)
    assert (second.agent, refreshed(first).status) == (bob, EntryStatus.WAITING)

    # The first caller gives up while waiting: abandoned.
    stack.sim("POST", f"calls/{first_sid}/hangup")
    wait_until(lambda: refreshed(first).outcome == EntryOutcome.ABANDONED)
    stack.sim("POST", f"calls/{second_sid}/hangup")
    wait_until(lambda: refreshed(second).status == EntryStatus.ENDED)

    figures = todays_figures(api, support)
    # Hand count: two callers, one answered by Bob, one abandoned.
    assert (figures["entries"], figures["answered"], figures["abandoned"]) == (2, 1, 1)
    assert figures["abandonment_rate"] == 0.5
    # Bob answered within the queue's 20 seconds; the abandoned call did not meet the level.
    assert figures["service_level"] == 0.5


def test_a_caller_holds_on_until_a_late_offer_reaches_them(
    stack_without_worker, celery_worker_factory, api
):
    """The redirect that takes a caller off hold may reach the call after the hold
    music ran out (its task waits behind others, or for a worker): meanwhile the
    caller hears the music again, and is not hung up when it ends."""
    sim = stack_without_worker
    queue = Queue.objects.create(name="Support", auto_distribute=False, hold_loop=1)
    InboundNumber.objects.create(phone_number=OUR_NUMBER, queue=queue)
    ann = agent(queue, "Ann", EndpointKind.NUMBER, "+14155550123")
    sign_in(api, ann)
    sid, entry = call_in(sim, "+14155550101")
    wait_until(lambda: heard(sim, sid, "play"))

    # No worker runs yet: the redirect to Ann waits on the queue.
    taken = api.post(f"queue-entries/{entry.pk}/take-off-hold/", json={"agent": ann.pk})
    assert taken.status_code == 202, taken.text
    offered = len(sim.transcript(sid))
    hold_ended = reverse("queues:hold-ended", kwargs={"entry_id": entry.pk})

    def checks_since_the_offer() -> int:
        since = sim.transcript(sid)[offered:]
        return sum(e["event"] == "fetch" and e["url"].endswith(hold_ended) for e in since)

    wait_until(lambda: checks_since_the_offer() >= 3)
    assert sim.client.calls(sid).fetch().status == "in-progress"

    celery_worker_factory("e2e")
    assert connected_leg(sim, sid)["to"] == ann.endpoint
