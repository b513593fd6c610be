"""Recording Twilio's conference status callbacks: each stored once, applied in any order.

Twilio numbers a conference's callbacks (`SequenceNumber`) but may deliver them
late, twice or out of order. A callback is stored once (unique on conference
SID and sequence number); what it tells is applied so that order does not
matter: a conference only moves forward (init → in-progress → completed), a
participant's joined/left times are kept once set, and its flags (hold, muted,
coaching) are those of the newest callback about it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from calls.callback_params import count, plain, timestamp
from calls.exceptions import RuleViolation

from ..models import Conference, ConferenceEvent, ConferenceStatus, Participant, Role

STATUS_RANK = {
    ConferenceStatus.INIT: 0,
    ConferenceStatus.IN_PROGRESS: 1,
    ConferenceStatus.COMPLETED: 2,
}
PARTICIPANT_EVENTS = frozenset(
    {
        "participant-join",
        "participant-leave",
        "participant-mute",
        "participant-unmute",
        "participant-hold",
        "participant-unhold",
        "participant-modify",
    }
)


def conference_event_record(params, *, conference_id: int | None = None) -> ConferenceEvent | None:
    """Store one conference status callback and apply it; None for a repeat.

    `conference_id` is ours, from the callback URL; without it (or when it names
    no conference) the conference is found by its SID, and the event is kept
    unattached when we know none.
    """
    sid = params.get("ConferenceSid", "")
    sequence = count(params, "SequenceNumber")
    if not sid or sequence is None:
        raise RuleViolation("ConferenceSid and SequenceNumber are required.", field="ConferenceSid")
    at = timestamp(params) or timezone.now()
    with transaction.atomic():
        conference = _locked_conference(sid, conference_id)
        try:
            with transaction.atomic():
                event = ConferenceEvent.objects.create(
                    conference=conference,
                    conference_sid=sid,
                    sequence_number=sequence,
                    event=params.get("StatusCallbackEvent", "")[:32],
                    call_sid=params.get("CallSid", "")[:34],
                    timestamp=timestamp(params),
                    params=plain(params),
                )
        except IntegrityError:
            return None
        if conference is not None:
            _apply(conference, event, params, at)
    return event


def _locked_conference(sid: str, conference_id: int | None) -> Conference | None:
    conferences = Conference.objects.select_for_update()
    conference = conferences.filter(pk=conference_id).first() if conference_id else None
    if conference is None:
        return conferences.filter(sid=sid).first()
    if not conference.sid:
        conference.sid = sid
        conference.save(update_fields=["sid"])
    return conference


def _apply(conference: Conference, event: ConferenceEvent, params, at) -> None:
    name = event.event
    if name == "conference-start":
        _move(conference, ConferenceStatus.IN_PROGRESS, at)
    elif name == "conference-end":
        conference.ended_reason = params.get("ReasonConferenceEnded", "")[:120]
        _move(conference, ConferenceStatus.COMPLETED, at)
        conference.participants.filter(joined_at__isnull=False, left_at__isnull=True).update(
            left_at=at
        )
    elif name in PARTICIPANT_EVENTS and event.call_sid:
        _apply_to_participant(conference, event, params, at)
    if event.sequence_number > conference.last_sequence:
        conference.last_sequence = event.sequence_number
    conference.save()


def _move(conference: Conference, status: str, at) -> None:
    """Forward only: a late `start` after the `end` changes nothing but the start time."""
    if status == ConferenceStatus.IN_PROGRESS and conference.started_at is None:
        conference.started_at = at
    if status == ConferenceStatus.COMPLETED and conference.ended_at is None:
        conference.ended_at = at
    if STATUS_RANK[status] > STATUS_RANK[conference.status]:
        conference.status = status


def _apply_to_participant(conference: Conference, event: ConferenceEvent, params, at) -> None:
    participant = _participant(conference, event.call_sid, params.get("ParticipantLabel", ""))
    if event.event == "participant-join" and participant.joined_at is None:
        participant.joined_at = at
    if event.event == "participant-leave" and participant.left_at is None:
        participant.left_at = at
        participant.joined_at = participant.joined_at or at
    if not conference.is_live and participant.left_at is None:
        # A late callback about someone still in the room when it ended.
        participant.left_at = conference.ended_at
    if event.sequence_number > participant.last_sequence:
        participant.last_sequence = event.sequence_number
        participant.on_hold = params.get("Hold") == "true"
        participant.muted = params.get("Muted") == "true"
        participant.coaching = params.get("Coaching") == "true"
    participant.save()


def _participant(conference: Conference, call_sid: str, label: str) -> Participant:
    """The participant the callback is about: by call SID, else by the label we gave it,
    else one we did not bring in (the customer's call is known by its SID)."""
    participants = conference.participants.select_for_update()
    found = participants.filter(call_sid=call_sid).first()
    if found is None and label:
        found = participants.filter(label=label, call_sid="").first()
        if found is not None:
            found.call_sid = call_sid
    if found is None:
        role = Role.CUSTOMER if conference.call.sid == call_sid else Role.THIRD_PARTY
        found = Participant(conference=conference, call_sid=call_sid, role=role, label=label)
        if role == Role.CUSTOMER:
            found.call = conference.call
    return found
