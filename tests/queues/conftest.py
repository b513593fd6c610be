"""Records for the queues tests: a queue with a survey, agents, and callers on hold.

Callers are inbound calls as the voice webhook records them (a Twilio SID, in
progress); every other row is made through `queues.services`.
"""

from __future__ import annotations

import itertools

import pytest

from calls.models import Call, CallStatus, Direction
from queues import services
from queues.models import Agent, AgentStatus, EndpointKind, QuestionKind, Queue, Survey
from tests.support.api_clients import api_as, integration, supervisor, viewer  # noqa: F401 (roles)

_sids = itertools.count(1)


def new_sid() -> str:
    return f"CA{next(_sids):032x}"


def live_call(from_number: str = "+14155550100", *, parent: Call | None = None, **fields) -> Call:
    return Call.objects.create(
        sid=new_sid(),
        parent=parent,
        direction=Direction.OUTBOUND_DIAL if parent else Direction.INBOUND,
        from_number=from_number,
        to_number=fields.pop("to_number", "+14155550000"),
        status=fields.pop("status", CallStatus.IN_PROGRESS),
        **fields,
    )


@pytest.fixture
def survey(db) -> Survey:
    survey = Survey.objects.create(name="After the call")
    survey.questions.create(position=1, kind=QuestionKind.RATING, prompt="How was your call?")
    survey.questions.create(position=2, kind=QuestionKind.YES_NO, prompt="Was it solved?")
    return survey


@pytest.fixture
def queue(db, survey) -> Queue:
    return Queue.objects.create(name="Support", survey=survey, service_level_seconds=20)


@pytest.fixture
def make_agent(queue):
    def make(name: str, endpoint: str = "", *, kind: str = EndpointKind.NUMBER, available=True):
        agent = Agent.objects.create(
            name=name,
            endpoint_kind=kind,
            endpoint=endpoint or f"+1415555{len(name):04d}",
            wrap_up_seconds=30,
        )
        agent.queues.add(queue)
        if available:
            services.set_agent_status(agent, AgentStatus.AVAILABLE)
        return agent

    return make


@pytest.fixture
def caller(queue):
    """`caller()`: a new inbound call put on hold in the queue; returns its entry."""

    def enqueue(from_number: str = "+14155550100", into: Queue | None = None):
        return services.enqueue_call(live_call(from_number), into or queue)

    return enqueue
