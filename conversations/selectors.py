"""Reads of conversations: the live conference of a call, who is in it."""

from __future__ import annotations

from django.db.models import QuerySet

from calls.models import Call

from .models import Conference, ConversationAction, Participant, Role


def live_conference(call: Call, *, lock: bool = False) -> Conference | None:
    """The call's conference that has not ended, newest first (a call has one at a time)."""
    conferences = Conference.objects.filter(call=call).exclude(status="completed")
    if lock:
        conferences = conferences.select_for_update()
    return conferences.order_by("-created_at", "-id").first()


def present(conference: Conference, role: str | None = None) -> QuerySet[Participant]:
    """The participants in the room now (joined, not left), of `role` when given."""
    found = conference.participants.filter(joined_at__isnull=False, left_at__isnull=True)
    return found.filter(role=role) if role else found


def customer(conference: Conference) -> Participant | None:
    return present(conference, Role.CUSTOMER).first()


def agent(conference: Conference) -> Participant | None:
    return present(conference, Role.AGENT).first()


def actions_of(call: Call) -> QuerySet[ConversationAction]:
    """Every action asked of the call's conversations, newest first."""
    return ConversationAction.objects.filter(call=call).select_related(
        "conference", "participant", "requested_by"
    )
