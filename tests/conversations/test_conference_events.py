"""Twilio's conference status callbacks: signed, stored once, applied in any order,
by the one-statement path (PostgreSQL) and the ORM path (other databases) alike."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from calls.models import Call, CallStatus, Direction
from conversations import services
from conversations.models import Conference, ConferenceEvent, Participant, Role
from conversations.services import events
from tests.support.twilio_requests import post_as_twilio, signature_for

CONFERENCE_SID = "CF" + "a" * 32
CUSTOMER_SID = "CA" + "c" * 32
AGENT_SID = "CA" + "d" * 32


@pytest.fixture(autouse=True, params=["one statement", "row locks"])
def path(request, monkeypatch):
    if request.param == "row locks":
        monkeypatch.setattr(events, "uses_one_statement", lambda: False)
    return request.param


@pytest.fixture
def conference(db) -> Conference:
    call = Call.objects.create(
        sid=CUSTOMER_SID,
        direction=Direction.INBOUND,
        from_number="+14155550100",
        to_number="+14155559000",
        status=CallStatus.IN_PROGRESS,
    )
    return services.conference_open(call, hold_music_url="https://example.com/music.wav")


def callback(conference: Conference, event: str, sequence: int, call_sid: str = "", **flags):
    params = {
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "ConferenceSid": CONFERENCE_SID,
        "FriendlyName": conference.friendly_name,
        "StatusCallbackEvent": event,
        "SequenceNumber": str(sequence),
        "Timestamp": f"Mon, 30 Nov 2026 10:00:{sequence:02d} +0000",
    }
    if call_sid:
        params |= {"CallSid": call_sid, "Muted": "false", "Hold": "false", "Coaching": "false"}
        params |= {key: value for key, value in flags.items()}
    return params


def status_path(conference: Conference) -> str:
    return reverse("conversations:status") + f"?conference={conference.pk}"


def test_a_forged_callback_is_refused_and_nothing_is_stored(client, conference):
    params = callback(conference, "conference-start", 0)
    forged = signature_for(status_path(conference), {**params, "SequenceNumber": "9"})
    answer = client.post(status_path(conference), params, headers={"X-Twilio-Signature": forged})
    assert answer.status_code == 403
    assert not ConferenceEvent.objects.exists()
    conference.refresh_from_db()
    assert (conference.sid, conference.status) == (None, "init")


def test_a_repeated_callback_is_stored_once(client, conference):
    params = callback(conference, "participant-join", 1, CUSTOMER_SID)
    for _ in range(3):
        assert post_as_twilio(client, status_path(conference), params).status_code == 204
    assert ConferenceEvent.objects.count() == 1
    conference.refresh_from_db()
    assert conference.sid == CONFERENCE_SID
    customer = conference.participants.get(role=Role.CUSTOMER)
    assert customer.call_sid == CUSTOMER_SID and customer.joined_at is not None


def test_callbacks_out_of_order_leave_the_newest_state(client, conference):
    """The end arrives before the start, an unhold before its hold: the record ends
    where Twilio's numbering says, each callback kept once."""
    path = status_path(conference)
    sent = [
        callback(conference, "conference-end", 5),
        callback(conference, "participant-unhold", 4, AGENT_SID, ParticipantLabel="agent"),
        callback(conference, "participant-hold", 3, AGENT_SID, Hold="true"),
        callback(conference, "participant-join", 2, AGENT_SID, ParticipantLabel="agent"),
        callback(conference, "conference-start", 1),
        callback(conference, "participant-join", 0, CUSTOMER_SID),
        callback(conference, "participant-hold", 3, AGENT_SID, Hold="true"),
    ]
    for params in sent:
        assert post_as_twilio(client, path, params).status_code == 204
    assert ConferenceEvent.objects.count() == 6
    conference.refresh_from_db()
    assert conference.status == "completed"
    assert conference.started_at < conference.ended_at
    agent = Participant.objects.get(call_sid=AGENT_SID)
    assert (agent.role, agent.on_hold, agent.label) == (Role.THIRD_PARTY, False, "agent")
    assert agent.joined_at is not None and agent.left_at == conference.ended_at


def test_a_callback_without_its_sequence_number_is_refused(client, conference):
    params = callback(conference, "conference-start", 0)
    del params["SequenceNumber"]
    assert post_as_twilio(client, status_path(conference), params).status_code == 400
    assert not ConferenceEvent.objects.exists()
