"""Conferences, their participants and callbacks, and the actions asked of them.

Read only, like every record Twilio's callbacks and the services write.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from calls.admin_base import ReadOnlyAdmin, ReadOnlyInline

from .models import Conference, ConferenceEvent, ConversationAction, Participant

ACTION_COLUMNS = ["kind", "state", "due_at", "origin", "requested_by", "error_code"]


class ParticipantInline(ReadOnlyInline):
    model = Participant
    fields = [
        "role",
        "label",
        "call_sid",
        "agent",
        "joined_at",
        "left_at",
        "on_hold",
        "muted",
        "coaching",
    ]
    show_change_link = False


class ConferenceEventInline(ReadOnlyInline):
    model = ConferenceEvent
    fields = ["sequence_number", "event", "call_sid", "timestamp", "received_at"]
    show_change_link = False


class ActionInline(ReadOnlyInline):
    model = ConversationAction
    fields = ["created_at", *ACTION_COLUMNS, "params", "error_message"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConversationAction]:
        return super().get_queryset(request).select_related("conference", "requested_by")


@admin.register(Conference)
class ConferenceAdmin(ReadOnlyAdmin):
    list_display = ["friendly_name", "sid", "call", "status", "started_at", "ended_at"]
    list_filter = ["status"]
    list_select_related = ["call"]
    search_fields = ["friendly_name", "=sid", "=call__sid"]
    inlines = [ParticipantInline, ActionInline, ConferenceEventInline]


@admin.register(ConversationAction)
class ConversationActionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "created_at", *ACTION_COLUMNS, "api_token"]
    list_filter = ["kind", "state", "origin"]
    list_select_related = ["conference", "requested_by"]
