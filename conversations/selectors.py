"""Reads of conversations: the live conference of a call, who is in it, what a
screen offers to do to it, and each hold with its length."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from django.db.models import Prefetch, QuerySet

from calls.models import Call

from .models import Conference, ConferenceEvent, ConversationAction, Participant, Role
from .registry import ActionKind, Choices, manual_kinds


def live_conference(call: Call, *, lock: bool = False) -> Conference | None:
    """The call's conference that has not ended, newest first (a call has one at a time)."""
    conferences = Conference.objects.filter(call=call).exclude(status="completed")
    if lock:
        conferences = conferences.select_for_update()
    return conferences.order_by("-created_at", "-id").first()


def _in_the_room() -> QuerySet[Participant]:
    return Participant.objects.filter(joined_at__isnull=False, left_at__isnull=True)


def present_in(conferences: Iterable[Conference], role: str | None = None) -> QuerySet[Participant]:
    """The participants in any of these rooms now (joined, not left), of `role` when given."""
    found = _in_the_room().filter(conference__in=conferences)
    return found.filter(role=role) if role else found


def present(conference: Conference, role: str | None = None) -> QuerySet[Participant]:
    """The participants in the room now (joined, not left), of `role` when given."""
    return present_in([conference], role)


def customer(conference: Conference) -> Participant | None:
    return present(conference, Role.CUSTOMER).first()


def agent(conference: Conference) -> Participant | None:
    return present(conference, Role.AGENT).first()


# What ends a participant's hold, besides being taken off it: leaving, or the room ending.
HOLD_ENDS = frozenset({"participant-unhold", "participant-leave", "conference-end"})


@dataclass(frozen=True)
class Hold:
    """One participant's time on hold in one conference; `end` is None while it lasts."""

    conference_id: int
    call_sid: str
    start: dt.datetime
    end: dt.datetime | None


def holds(events: Iterable[ConferenceEvent]) -> list[Hold]:
    """Each hold told by `events` (whole conferences' callbacks, in any order: a page
    that shows them too reads them once), taken in Twilio's own order so that a late
    callback still lands in its place: the ended ones as they ended, then those still
    on hold. The timeline and the agents' figures both measure holds this way."""
    held: dict[tuple[int, str], dt.datetime] = {}
    found = []
    for event in sorted(events, key=attrgetter("conference_id", "sequence_number")):
        at = event.timestamp or event.received_at
        if event.event == "participant-hold":
            held.setdefault((event.conference_id, event.call_sid), at)
        elif event.event in HOLD_ENDS:
            ending = [
                key
                for key in held
                if key[0] == event.conference_id
                and (event.event == "conference-end" or key[1] == event.call_sid)
            ]
            found += [Hold(*key, held.pop(key), at) for key in ending]
    return found + [Hold(*key, start, None) for key, start in held.items()]


def action_dialing(
    participant: Participant | None, kinds: Iterable[str]
) -> ConversationAction | None:
    """The action of one of `kinds` that dialed `participant` in, read from its label
    (`ConversationAction.dial_label`); None for anyone else."""
    kind, _, action_id = (participant.label if participant is not None else "").rpartition("-")
    if kind not in kinds or not action_id.isdigit():
        return None
    return ConversationAction.objects.filter(pk=int(action_id), kind=kind).first()


def actions_of(call: Call) -> QuerySet[ConversationAction]:
    """Every action asked of the call's conversations, newest first."""
    return ConversationAction.objects.filter(call=call).select_related(
        "conference", "participant", "requested_by"
    )


@dataclass(frozen=True)
class Controls:
    """A live conversation as a screen shows it: who is in, and what this user may ask."""

    conference: Conference
    participants: list[Participant]
    kinds: list[ActionKind]
    choices: Choices = field(default_factory=dict)

    @property
    def others(self) -> list[Participant]:
        """Whom "Let go" may take out: anyone but the customer."""
        return [p for p in self.participants if p.role != Role.CUSTOMER]


def controls_for(call_ids: Iterable[int], user) -> dict[int, Controls]:
    """The live conversations of these calls by call id, in two queries; each with the
    kinds `user` may ask for (none for a user who may ask for nothing) and the options
    of their picked inputs (a few queries more, however many the conversations)."""
    kinds = [kind for kind in manual_kinds() if user.has_perm(kind.permission)]
    conferences = list(
        Conference.objects.filter(call_id__in=list(call_ids))
        .exclude(status="completed")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=_in_the_room().select_related("agent").order_by("created_at", "id"),
                to_attr="in_the_room",
            )
        )
        .order_by("created_at", "id")
    )
    choices = _choices(kinds, conferences)
    return {
        conference.call_id: Controls(
            conference, conference.in_the_room, kinds, choices[conference.pk]
        )
        for conference in conferences
    }


def _choices(kinds: list[ActionKind], conferences: Sequence[Conference]) -> dict[int, Choices]:
    """Each conference's options, every kind's `choices` asked once for all of them."""
    found: dict[int, Choices] = defaultdict(dict)
    if conferences:
        for choices_of in dict.fromkeys(kind.choices for kind in kinds if kind.choices):
            for conference_id, options in choices_of(conferences).items():
                found[conference_id].update(options)
    return found
