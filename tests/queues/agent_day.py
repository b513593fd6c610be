"""An agent's day driven through the services at scripted times, for the agents' figures.

The services stamp each status move with the time they run; `happened_at` moves
the latest one to the script's time, and the conference's callbacks carry
Twilio's own `Timestamp`, so every length is known to the second.
"""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime

from django.conf import settings
from django.utils import timezone

from calls.models import CallStatus
from conversations import services as conversation_services
from conversations.models import Conference, Role
from conversations.services.events import conference_event_record
from queues import services
from queues.models import Agent, AgentStatusChange
from tests.queues.conftest import live_call


def happened_at(agent: Agent, moment: dt.datetime) -> None:
    """Put the agent's latest status move at `moment`, as if the service ran then."""
    latest = AgentStatusChange.objects.filter(agent=agent).latest("at", "id")
    AgentStatusChange.objects.filter(pk=latest.pk).update(at=moment)
    Agent.objects.filter(pk=agent.pk).update(status_changed_at=moment)


def conference_callback(conference, event: str, sequence: int, moment, call_sid="", hold=False):
    params = {
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "ConferenceSid": "CF" + "a" * 32,
        "FriendlyName": conference.friendly_name,
        "StatusCallbackEvent": event,
        "SequenceNumber": str(sequence),
        "Timestamp": format_datetime(moment),
    }
    if call_sid:
        params |= {"CallSid": call_sid, "Muted": "false", "Hold": str(hold).lower()}
    conference_event_record(params, conference_id=conference.pk)


def agents_day(caller, make_agent) -> dt.date:
    """Yesterday: Ann signs in at 9:00, is offered a caller at 9:00:10, answers at
    9:00:15, puts them on hold for 20 s (9:01:00 to 9:01:20), hangs up at 9:02:15,
    wraps up for 30 s and is available again. Bob signs in and takes no call.
    Ann's figures: 1 call answered, 2 min talk, 20 s hold, 30 s wrap-up."""
    day = timezone.localdate() - dt.timedelta(days=1)
    nine = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))

    def at(seconds: int) -> dt.datetime:
        return nine + dt.timedelta(seconds=seconds)

    ann = make_agent("Ann")
    happened_at(ann, at(0))
    make_agent("Bob")
    entry = services.take_off_hold(caller("+14155550101"), agent=ann)
    happened_at(ann, at(10))
    leg = live_call(parent=entry.call, to_number=ann.endpoint)
    services.record_leg_status(leg)
    happened_at(ann, at(15))
    conference = Conference.objects.get(call=entry.call)
    agent_in_room = conversation_services.participant_expect(
        conference, role=Role.AGENT, label="Ann", endpoint=ann.endpoint, leg=leg, agent_id=ann.pk
    )
    conversation_services.participant_dialed(agent_in_room, leg.sid)
    customer = entry.call.sid
    for sequence, (event, seconds, who, hold) in enumerate(
        [
            ("conference-start", 14, "", False),
            ("participant-join", 14, customer, False),
            ("participant-join", 15, leg.sid, False),
            ("participant-hold", 60, customer, True),
            ("participant-unhold", 80, customer, False),
            ("participant-leave", 135, leg.sid, False),
            ("conference-end", 135, "", False),
        ]
    ):
        conference_callback(conference, event, sequence, at(seconds), who, hold)
    leg.status = CallStatus.COMPLETED
    leg.save()
    services.record_leg_status(leg)
    happened_at(ann, at(135))
    assert services.release_wrapped_up_agents(now=at(165)) == 1
    happened_at(ann, at(165))
    return day
