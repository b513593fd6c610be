"""Recording Twilio's conference status callbacks: each stored once, applied in any order.

Twilio numbers a conference's callbacks (`SequenceNumber`) but may deliver them
late, twice or out of order. A callback is stored once (unique on conference
SID and sequence number); what it tells is applied so that order does not
matter: a conference only moves forward (init → in-progress → completed), a
participant's joined/left times are kept once set, and its flags (hold, muted,
coaching) are those of the newest callback about it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from calls.callback_params import count, plain, timestamp
from calls.exceptions import RuleViolation

from ..models import Conference, ConferenceEvent, ConferenceStatus, Participant, Role
from .event_statement import record_in_one_statement

STATUS_RANK = {
    ConferenceStatus.INIT: 0,
    ConferenceStatus.IN_PROGRESS: 1,
    ConferenceStatus.COMPLETED: 2,
}
# The conference's status each of its own callbacks moves it to (forward only).
MOVES_TO = {
    "conference-start": ConferenceStatus.IN_PROGRESS,
    "conference-end": ConferenceStatus.COMPLETED,
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


@dataclass(frozen=True)
class Callback:
    """What one conference status callback says, checked."""

    conference_sid: str
    sequence: int
    event: str
    call_sid: str
    at: dt.datetime
    params: dict

    @property
    def of_participant(self) -> bool:
        return self.event in PARTICIPANT_EVENTS and bool(self.call_sid)


def conference_event_record(params, *, conference_id: int | None = None) -> int | None:
    """Store one conference status callback and apply it; its id, None for a repeat.

    `conference_id` is ours, from the callback URL; without it (or when it names
    no conference) the conference is found by its SID, and the event is kept
    unattached when we know none. On PostgreSQL it is one statement
    (`event_statement`), with this module's rules.
    """
    callback = _checked(params)
    if not uses_one_statement():
        return _record_with_row_locks(callback, conference_id)
    event_id, found, applied = record_in_one_statement(
        _statement_arguments(callback, conference_id)
    )
    if event_id is not None and found is not None and callback.of_participant and not applied:
        # A participant we did not bring in (a call joining the room by its own TwiML).
        with transaction.atomic():
            conference = Conference.objects.select_for_update().get(pk=found)
            _apply_to_participant(conference, callback)
    return event_id


def uses_one_statement() -> bool:
    """Whether callbacks are recorded by `event_statement` (PostgreSQL's SQL) rather
    than by `_record_with_row_locks` (ORM queries, any database)."""
    return connection.vendor == "postgresql"


def _checked(params) -> Callback:
    sid = params.get("ConferenceSid", "")
    sequence = count(params, "SequenceNumber")
    if not sid or sequence is None:
        raise RuleViolation("ConferenceSid and SequenceNumber are required.", field="ConferenceSid")
    return Callback(
        conference_sid=sid[:34],
        sequence=sequence,
        event=params.get("StatusCallbackEvent", "")[:32],
        call_sid=params.get("CallSid", "")[:34],
        at=timestamp(params) or timezone.now(),
        params=plain(params),
    )


def _statement_arguments(callback: Callback, conference_id: int | None) -> dict:
    status = MOVES_TO.get(callback.event, "")
    params = callback.params
    return {
        "conference_id": conference_id,
        "sid": callback.conference_sid,
        "sequence": callback.sequence,
        "event": callback.event,
        "call_sid": callback.call_sid,
        "timestamp": timestamp(params),
        "params": params,
        "at": callback.at,
        "rank": STATUS_RANK.get(status, -1),
        "status": status,
        "reason": params.get("ReasonConferenceEnded", "")[:120],
        "of_participant": callback.of_participant,
        "label": params.get("ParticipantLabel") or None,
        "hold": params.get("Hold") == "true",
        "muted": params.get("Muted") == "true",
        "coaching": params.get("Coaching") == "true",
    }


def _record_with_row_locks(callback: Callback, conference_id: int | None) -> int | None:
    """The ORM path (databases other than PostgreSQL), with the same rules."""
    with transaction.atomic():
        conference = _locked_conference(callback.conference_sid, conference_id)
        try:
            with transaction.atomic():
                event = ConferenceEvent.objects.create(
                    conference=conference,
                    conference_sid=callback.conference_sid,
                    sequence_number=callback.sequence,
                    event=callback.event,
                    call_sid=callback.call_sid,
                    timestamp=timestamp(callback.params),
                    params=callback.params,
                )
        except IntegrityError:
            return None
        if conference is not None:
            _apply(conference, callback)
    return event.pk


def _locked_conference(sid: str, conference_id: int | None) -> Conference | None:
    conferences = Conference.objects.select_for_update()
    conference = conferences.filter(pk=conference_id).first() if conference_id else None
    if conference is None:
        return conferences.filter(sid=sid).first()
    if not conference.sid:
        conference.sid = sid
        conference.save(update_fields=["sid"])
    return conference


def _apply(conference: Conference, callback: Callback) -> None:
    name, at = callback.event, callback.at
    if name == "conference-start":
        _move(conference, ConferenceStatus.IN_PROGRESS, at)
    elif name == "conference-end":
        conference.ended_reason = callback.params.get("ReasonConferenceEnded", "")[:120]
        _move(conference, ConferenceStatus.COMPLETED, at)
        conference.participants.filter(joined_at__isnull=False, left_at__isnull=True).update(
            left_at=at
        )
    elif callback.of_participant:
        _apply_to_participant(conference, callback)
    conference.last_sequence = max(conference.last_sequence, callback.sequence)
    conference.save()


def _move(conference: Conference, status: str, at) -> None:
    """Forward only: a late `start` after the `end` changes nothing but the start time."""
    if status == ConferenceStatus.IN_PROGRESS and conference.started_at is None:
        conference.started_at = at
    if status == ConferenceStatus.COMPLETED and conference.ended_at is None:
        conference.ended_at = at
    if STATUS_RANK[status] > STATUS_RANK[conference.status]:
        conference.status = status


def _apply_to_participant(conference: Conference, callback: Callback) -> None:
    params, at = callback.params, callback.at
    participant = _participant(conference, callback.call_sid, params.get("ParticipantLabel", ""))
    if callback.event == "participant-join" and participant.joined_at is None:
        participant.joined_at = at
    if callback.event == "participant-leave" and participant.left_at is None:
        participant.left_at = at
        participant.joined_at = participant.joined_at or at
    if not conference.is_live and participant.left_at is None:
        # A late callback about someone still in the room when it ended.
        participant.left_at = conference.ended_at
    if callback.sequence > participant.last_sequence:
        participant.last_sequence = callback.sequence
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
