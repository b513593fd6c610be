"""The recordings of a call where it is shown (its admin page, its timeline, its
board row), from the template alone: the calls and console apps need not know
this app."""

from __future__ import annotations

from django import template
from django.db.models import Exists, OuterRef, Prefetch

from calls.models import Call
from conversations.models import Conference

from ..models import OPEN_RECORDING_STATUSES, Recording, RecordingAction
from ..permissions import MANAGE_RECORDINGS

register = template.Library()


def _with_conversation(recordings):
    """Each recording marked `in_conversation` when its call is in a live conversation:
    the conversation's controls then offer its pause, resume and stop (`recordings.kinds`,
    same permission, schedulable and on the timeline), so its own buttons would only
    repeat them. No query more."""
    live = Conference.objects.filter(call=OuterRef("call")).exclude(status="completed")
    return recordings.annotate(in_conversation=Exists(live))


def _can_manage(context) -> bool:
    request = context.get("request")
    return bool(request and request.user.has_perm(MANAGE_RECORDINGS))


@register.inclusion_tag("recordings/call_recordings.html", takes_context=True)
def call_recordings(context, call: Call, buttons: bool = True) -> dict:
    """Each recording of the call: its state, a player and the buttons of a live one
    (players and buttons for those who manage recordings; no buttons with
    `buttons=False`, where the screen shows the live recording's elsewhere)."""
    request = context.get("request")
    asked = RecordingAction.objects.select_related("requested_by")  # with who asked: one query
    recordings = (
        list(
            _with_conversation(Recording.objects.filter(call=call))
            .order_by("created_at", "id")
            .prefetch_related(Prefetch("actions", queryset=asked))
        )
        if call is not None and call.pk
        else []
    )
    return {
        "recordings": recordings,
        "can_manage": _can_manage(context),
        "buttons": buttons,
        "next_url": request.get_full_path() if request else "",
        "csrf_token": context.get("csrf_token"),
    }


def open_recordings_by_call(request) -> dict[int, Recording]:
    """Every open recording by its call, read once per request: the board asks for
    each of its rows, and its queries must not grow with the floor."""
    cached = getattr(request, "_open_recordings_by_call", None)
    if cached is None:
        cached = {
            recording.call_id: recording
            for recording in _with_conversation(
                Recording.objects.filter(status__in=OPEN_RECORDING_STATUSES)
            )
        }
        request._open_recordings_by_call = cached
    return cached


@register.inclusion_tag("recordings/board_controls.html", takes_context=True)
def board_recording(context, call: Call) -> dict:
    """A live row's recording: its state, and the pause or resume button."""
    request = context.get("request")
    recording = open_recordings_by_call(request).get(call.pk) if call is not None else None
    return {
        "recording": recording,
        "can_manage": _can_manage(context),
        "next_url": context.get("next_url", ""),
        "csrf_token": context.get("csrf_token"),
    }
