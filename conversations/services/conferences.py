"""Opening a conference for a customer's call, and the participants dialed into it."""

from __future__ import annotations

from django.db import transaction

from calls.models import Call

from ..models import Conference, Participant, Role


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
            endpoint=call.far_number,
        )
    return conference


def participant_expect(
    conference: Conference,
    *,
    role: str,
    label: str,
    endpoint: str,
    leg: Call,
    agent_id=None,
    user=None,
) -> Participant:
    """The participant about to be dialed in, known by its label until Twilio names its call."""
    return Participant.objects.create(
        conference=conference,
        call=leg,
        role=role,
        label=label,
        endpoint=endpoint,
        agent_id=agent_id,
        user=user,
    )


def participant_dialed(participant: Participant, call_sid: str) -> None:
    """Twilio answered the create: the participant's call SID, unless a callback gave it."""
    Participant.objects.filter(pk=participant.pk, call_sid="").update(call_sid=call_sid)
