"""Opening a conference for a customer's call, and the TwiML that puts the call in it."""

from __future__ import annotations

from django.db import transaction
from twilio.twiml.voice_response import Dial, VoiceResponse

from calls.models import Call
from calls.urls_public import public_url

from ..models import Conference, Participant, Role

# Every family of conference callback the record keeps.
CONFERENCE_EVENTS = "start end join leave mute hold modify"


def conference_name(call: Call) -> str:
    """The conference of a customer's call is named for it (Twilio keys rooms by name)."""
    return f"call-{call.sid or call.pk}"


def conference_open(call: Call, *, hold_music_url: str = "") -> Conference:
    """A new conference for the customer's `call`, with the customer as its participant.

    Any earlier conference of the call that we never heard end is closed first:
    a call is in one conversation at a time.
    """
    with transaction.atomic():
        Conference.objects.filter(call=call).exclude(status="completed").update(
            status="completed", ended_reason="superseded"
        )
        conference = Conference.objects.create(
            call=call, friendly_name=conference_name(call), hold_music_url=hold_music_url
        )
        Participant.objects.create(
            conference=conference,
            call=call,
            call_sid=call.sid or "",
            role=Role.CUSTOMER,
            endpoint=call.from_number,
        )
    return conference


def conference_status_url(conference: Conference) -> str:
    return public_url("conversations:status", query={"conference": conference.pk})


def join_document(
    conference: Conference, *, action_url: str = "", wait_url: str = "", **attributes
) -> VoiceResponse:
    """The customer's document: join the room and wait there for whoever is dialed in.

    Every conference callback comes to us; `action_url` is requested when the
    customer leaves the room (the conversation is over for them).
    """
    dial = Dial(action=action_url or None)
    dial.conference(
        conference.friendly_name,
        status_callback=conference_status_url(conference),
        status_callback_event=CONFERENCE_EVENTS,
        wait_url=wait_url,
        participant_label="customer",
        **attributes,
    )
    response = VoiceResponse()
    response.append(dial)
    return response
