"""The recordings API's shapes: one serializer per action."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from .models import PauseBehavior, Recording, RecordingAction, RecordingPolicy


class RecordingPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = RecordingPolicy
        fields = ["id", "name", "mode", "announcement", "retention_days", "created_at"]
        read_only_fields = ["id", "created_at"]
        # Uniqueness and ranges are the model's rules, with their own messages.
        extra_kwargs = {"name": {"validators": []}}


class RecordingActionSerializer(serializers.ModelSerializer):
    requested_by = serializers.StringRelatedField()

    class Meta:
        model = RecordingAction
        fields = [
            "id",
            "recording",
            "kind",
            "pause_behavior",
            "origin",
            "requested_by",
            "state",
            "error_code",
            "error_message",
            "created_at",
            "sent_at",
            "finished_at",
        ]
        read_only_fields = fields


class RecordingSerializer(serializers.ModelSerializer):
    call_sid = serializers.CharField(source="call.sid", read_only=True, allow_null=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    media = serializers.SerializerMethodField(help_text="the product's playback URL, if any")

    class Meta:
        model = Recording
        fields = [
            "id",
            "sid",
            "call",
            "call_sid",
            "conference_sid",
            "policy",
            "status",
            "channels",
            "duration",
            "origin",
            "legal_hold",
            "error_code",
            "error_message",
            "created_at",
            "started_at",
            "completed_at",
            "expires_at",
            "deleted_at",
            "media",
        ]
        read_only_fields = fields

    def get_media(self, recording: Recording) -> str | None:
        if not recording.has_media:
            return None
        request = self.context.get("request")
        path = reverse("recording-media", args=[recording.pk])
        return request.build_absolute_uri(path) if request else path


class RecordingDetailSerializer(RecordingSerializer):
    actions = RecordingActionSerializer(many=True, read_only=True)

    class Meta(RecordingSerializer.Meta):
        fields = [*RecordingSerializer.Meta.fields, "actions"]
        read_only_fields = fields


class PauseSerializer(serializers.Serializer):
    pause_behavior = serializers.ChoiceField(
        choices=PauseBehavior.choices,
        default=PauseBehavior.SILENCE,
        help_text="silence (default: the media keeps the call's length) or skip",
    )


class NoBodySerializer(serializers.Serializer):
    """The action takes no input."""


class LegalHoldSerializer(serializers.Serializer):
    legal_hold = serializers.BooleanField(help_text="true: kept past its retention")
