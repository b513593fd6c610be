"""Shapes of the queues API. Serializers check shapes only; the rules live in
`queues.services`, which the views call with the validated data."""

from __future__ import annotations

from rest_framework import serializers

from calls.serializers import RejectUnknownFieldsMixin

from . import selectors
from .models import (
    Agent,
    AgentStatus,
    Queue,
    QueueEntry,
    Survey,
    SurveyQuestion,
    SurveyResponse,
)


class QueueSerializer(serializers.ModelSerializer):
    """A queue with its live figures (callers waiting, longest wait, agents available)."""

    waiting = serializers.IntegerField(source="waiting_count", read_only=True)
    longest_wait_seconds = serializers.SerializerMethodField()
    agents_available = serializers.IntegerField(read_only=True)
    numbers = serializers.SlugRelatedField(slug_field="phone_number", many=True, read_only=True)

    class Meta:
        model = Queue
        fields = [
            "id",
            "name",
            "numbers",
            "waiting",
            "longest_wait_seconds",
            "agents_available",
            "greeting",
            "hold_music_url",
            "hold_loop",
            "max_wait_seconds",
            "overflow_action",
            "overflow_queue",
            "service_level_seconds",
            "auto_distribute",
            "survey",
            "opens_at",
            "closes_at",
            "open_weekdays",
        ]
        read_only_fields = fields

    def get_longest_wait_seconds(self, queue: Queue) -> int:
        return selectors.longest_wait_seconds(queue)


class DayFiguresSerializer(serializers.Serializer):
    day = serializers.DateField()
    entries = serializers.IntegerField()
    answered = serializers.IntegerField()
    abandoned = serializers.IntegerField()
    overflowed = serializers.IntegerField()
    average_speed_of_answer = serializers.FloatField(allow_null=True, help_text="seconds")
    abandonment_rate = serializers.FloatField(allow_null=True, help_text="0 to 1")
    service_level = serializers.FloatField(allow_null=True, help_text="0 to 1")
    survey_average = serializers.FloatField(allow_null=True, help_text="1 to 5")


class FiguresQuerySerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()

    def validate(self, data: dict) -> dict:
        if data["since"] > data["until"]:
            raise serializers.ValidationError({"until": ["until must not be before since."]})
        return data


class AgentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agent
        fields = [
            "id",
            "name",
            "endpoint_kind",
            "endpoint",
            "status",
            "status_changed_at",
            "idle_since",
            "wrap_up_seconds",
            "ring_timeout",
            "queues",
        ]
        read_only_fields = fields


class AgentStatusSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    status = serializers.ChoiceField(choices=[AgentStatus.AVAILABLE, AgentStatus.OFFLINE])


class QueueEntrySerializer(serializers.ModelSerializer):
    call_sid = serializers.CharField(source="call.sid", read_only=True)
    caller = serializers.CharField(source="call.from_number", read_only=True)

    class Meta:
        model = QueueEntry
        fields = [
            "id",
            "queue",
            "call",
            "call_sid",
            "caller",
            "status",
            "outcome",
            "enqueued_at",
            "position_at_enqueue",
            "agent",
            "offers",
            "dequeued_at",
            "answered_at",
            "ended_at",
            "survey_sent_at",
        ]
        read_only_fields = fields


class TakeOffHoldSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    agent = serializers.PrimaryKeyRelatedField(
        queryset=Agent.objects.all(),
        required=False,
        allow_null=True,
        help_text="leave out for the longest-idle available agent of the queue",
    )


class SendToSurveySerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    survey = serializers.PrimaryKeyRelatedField(
        queryset=Survey.objects.all(),
        required=False,
        allow_null=True,
        help_text="leave out for the queue's survey",
    )


class NoBodySerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """An action that takes no input; anything sent is refused rather than ignored."""


class SurveyQuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SurveyQuestion
        fields = ["id", "position", "kind", "prompt", "num_digits"]
        read_only_fields = fields


class SurveySerializer(serializers.ModelSerializer):
    questions = SurveyQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Survey
        fields = ["id", "name", "introduction", "closing", "questions"]
        read_only_fields = fields


class SurveyResponseSerializer(serializers.ModelSerializer):
    call_sid = serializers.CharField(source="call.sid", read_only=True)

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "call",
            "call_sid",
            "survey",
            "question",
            "agent",
            "queue",
            "answer",
            "score",
            "created_at",
        ]
        read_only_fields = fields


class AveragesQuerySerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=["agent", "queue"])


class AverageSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    average = serializers.FloatField()
    answers = serializers.IntegerField()
