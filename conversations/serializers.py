"""The shapes of the conversations API: one serializer per request, and the records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from calls.serializers import ScheduleFields

from .models import Conference, ConversationAction, Participant


class ParticipantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Participant
        fields = [
            "id",
            "role",
            "label",
            "call_sid",
            "agent",
            "endpoint",
            "joined_at",
            "left_at",
            "on_hold",
            "muted",
            "coaching",
        ]
        read_only_fields = fields


class ConversationSerializer(serializers.ModelSerializer):
    """A call's conference as the record knows it, with who is or was in it."""

    participants = ParticipantSerializer(many=True, read_only=True)

    class Meta:
        model = Conference
        fields = [
            "id",
            "call",
            "friendly_name",
            "sid",
            "status",
            "started_at",
            "ended_at",
            "ended_reason",
            "participants",
        ]
        read_only_fields = fields


class ConversationActionSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ConversationAction
        fields = [
            "id",
            "call",
            "conference",
            "kind",
            "params",
            "participant",
            "state",
            "due_at",
            "origin",
            "requested_by",
            "api_token",
            "reason",
            "attempts",
            "error_code",
            "error_message",
            "created_at",
            "sent_at",
            "finished_at",
        ]
        read_only_fields = fields


class ActionRequestSerializer(ScheduleFields):
    """`kind` and when; every other field of the body is the kind's own (`to`, `who`,
    `participant`…), checked by the kind, and refused by name when it takes no such field."""

    kind = serializers.CharField(max_length=32, help_text="hold, unhold, mute, listen…")
    reason = serializers.CharField(max_length=200, required=False, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("at") is not None and attrs.get("after_seconds") is not None:
            message = "Give only one of at, after_seconds."
            raise serializers.ValidationError({"at": [message], "after_seconds": [message]})
        if attrs.get("after_seconds") is not None:
            attrs["at"] = timezone.now() + dt.timedelta(seconds=attrs.pop("after_seconds"))
        attrs.pop("after_seconds", None)
        return attrs

    def kind_params(self) -> dict[str, Any]:
        """The body's fields that are the kind's, not this serializer's."""
        return {name: value for name, value in self.initial_data.items() if name not in self.fields}
