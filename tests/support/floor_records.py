"""A floor's day as a supervisor meets it, for the admin's list and page tests:
international callers, long names, an agent on a SIP address, a campaign
whose contacts have names, and every record kind that names a call (queue
entries, redirects, survey answers), as the services would have left them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from calls.models import Call, CallStatus, Direction, Outcome, RedirectState, Source
from campaigns.models import Attempt, ContactOutcome
from queues import models as queues
from tests.api.records import make_call, make_event, make_leg, make_redirect
from tests.campaigns.factories import campaign, with_contacts

QUEUE_NAME = "Premium Accounts — Europe, Middle East and Africa"
LINE = "+442079460958"
LINE_LABEL = "London premium line"
AGENT_NAME = "Maria-Fernanda Rodríguez Villanueva de la Cruz"
AGENT_SIP = "sip:maria-fernanda.rodriguez-villanueva@floor-3.eu-west.callcenter.example.com"
CALLERS = ["+4915123456789", "+33612345678", "+819012345678", "+5511987654321", "+61412345678"]
CAMPAIGN_NAME = "Winter renewals for long-standing premium customers"
CONTACT = "+447700900123"
CONTACT_NAME = "Bartholomew Featherstonehaugh-Cholmondeley"
PROMPT = "How satisfied were you with the way our representative handled your request today?"


@dataclass
class Floor:
    queue: queues.Queue
    agent: queues.Agent
    answered: Call  # a caller an agent answered, with the agent's leg
    leg: Call
    dialed: Call  # a campaign's call to a named contact


def a_busy_floor(callers: int = 5) -> Floor:
    """`callers` inbound calls answered by one agent, each with its leg, events, a
    redirect and a survey answer; and one campaign call to a named contact."""
    survey = queues.Survey.objects.create(name="After-call satisfaction (premium)")
    question = queues.SurveyQuestion.objects.create(survey=survey, position=1, prompt=PROMPT)
    queue = queues.Queue.objects.create(name=QUEUE_NAME, survey=survey)
    queues.InboundNumber.objects.create(phone_number=LINE, queue=queue, label=LINE_LABEL)
    agent = queues.Agent.objects.create(
        name=AGENT_NAME,
        endpoint_kind=queues.EndpointKind.SIP,
        endpoint=AGENT_SIP,
        status=queues.AgentStatus.ON_CALL,
        status_changed_at=timezone.now(),
    )
    agent.queues.add(queue)
    answered = leg = None
    for index in range(callers):
        answered, leg = _answered_caller(
            CALLERS[index % len(CALLERS)], queue, agent, question, minutes_ago=index * 7
        )
    return Floor(queue, agent, answered, leg, _campaign_call())


def _answered_caller(number, queue, agent, question, *, minutes_ago: int) -> tuple[Call, Call]:
    began = timezone.now() - dt.timedelta(minutes=minutes_ago, seconds=95)
    call = make_call(
        direction=Direction.INBOUND,
        from_number=number,
        to_number=LINE,
        status=CallStatus.COMPLETED,
        duration=3725,
        source=Source.TWILIO,
        url="",
    )
    leg = make_leg(call, from_number=number, to_number=AGENT_SIP, status=CallStatus.COMPLETED)
    leg.duration = 3600
    leg.save(update_fields=["duration"])
    make_event(call, "in-progress", 1)
    make_event(call, "completed", 2)
    queues.QueueEntry.objects.create(
        queue=queue,
        call=call,
        status=queues.EntryStatus.ENDED,
        outcome=queues.EntryOutcome.CONNECTED,
        enqueued_at=began,
        rank=began,
        agent=agent,
        agent_leg=leg,
        offers=1,
        answered_at=began + dt.timedelta(seconds=65),
        dequeued_at=began + dt.timedelta(seconds=65),
        ended_at=began + dt.timedelta(seconds=3790),
    )
    make_redirect(call, state=RedirectState.DONE, origin=Source.QUEUE)
    queues.SurveyResponse.objects.create(
        call=call, survey=question.survey, question=question, agent=agent, queue=queue, answer="4"
    )
    return call, leg


def _campaign_call() -> Call:
    renewals = campaign(name=CAMPAIGN_NAME, caller_id=LINE)
    with_contacts(
        renewals,
        f"{CONTACT},Bartholomew,Featherstonehaugh-Cholmondeley",
        header="phone_number,first_name,last_name",
    )
    call = make_call(
        from_number=LINE,
        to_number=CONTACT,
        status=CallStatus.COMPLETED,
        outcome=Outcome.ANSWERED_HUMAN,
        duration=65,
        source=Source.CAMPAIGN,
    )
    Attempt.objects.create(
        contact=renewals.contacts.get(), number=1, call=call, outcome=ContactOutcome.ANSWERED
    )
    return call
