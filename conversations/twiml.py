"""The TwiML that puts a customer's call in its conference (`twilio.twiml.voice_response`)."""

from __future__ import annotations

from twilio.twiml.voice_response import Dial, VoiceResponse

from calls.urls_public import public_url

from .models import Conference

# Every family of conference callback the record keeps.
CONFERENCE_EVENTS = "start end join leave mute hold modify"
CUSTOMER_LABEL = "customer"


def conference_status_url(conference: Conference) -> str:
    return public_url("conversations:status", query={"conference": conference.pk})


def join_document(conference: Conference, *, action_url: str) -> VoiceResponse:
    """The customer's document: wait in the room, in silence, for whoever is dialed in.

    The room starts when the agent joins, not the customer, and ends when the
    customer leaves it; nobody beeps. `action_url` is requested when the room
    ends for the customer (the agent hung up): what they hear next.
    """
    dial = Dial(action=action_url)
    dial.conference(
        conference.friendly_name,
        status_callback=conference_status_url(conference),
        status_callback_event=CONFERENCE_EVENTS,
        participant_label=CUSTOMER_LABEL,
        start_conference_on_enter=False,
        end_conference_on_exit=True,
        beep=False,
        wait_url="",
    )
    response = VoiceResponse()
    response.append(dial)
    return response
