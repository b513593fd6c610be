"""Shapes of the queues API. Serializers check shapes only; the rules live in
`queues.services`, which the views call with the validated data."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from calls.serializers import RejectReadOnlyFieldsMixin, RejectUnknownFieldsMixin

from . import figures, selectors
from .figures import Figure
from .models import (
    Agent,
    AgentStatus,
    InboundNumber,
    Queue,
    QueueEntry,
    Survey,
    SurveyQuestion,
    SurveyResponse,
)


class SettingsSerializer(
    RejectReadOnlyFieldsMixin, RejectUnknownFieldsMixin, serializers.ModelSerializer
):
    """Settings an integrator writes: unknown and read-only fields are refused by
    name. Uniqueness is left to the services' checks (the admin's), so it is
    said once, in the model's words."""

    def get_unique_together_validators(self) -> list:
        return []

    def build_standard_field(self, field_name, model_field) -> tuple:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        kwargs["validators"] = [
            validator
            for validator in kwargs.get("validators", [])
            if not isinstance(validator, UniqueValidator)
        ]
        return field_class, kwargs


class QueueSerializer(SettingsSerializer):
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
            "overflow_message",
            "voicemail_url",
            "overflow_queue",
            "service_level_seconds",
            "auto_distribute",
            "survey",
            "recording_policy",
            "opens_at",
            "closes_at",
            "open_weekdays",
            "closed_message",
        ]
        read_only_fields = ["id", "numbers", "waiting", "longest_wait_seconds", "agents_available"]

    def get_longest_wait_seconds(self, queue: Queue) -> int:
        return selectors.longest_wait_seconds(queue)


def _count(figure: Figure, source: str, what: str = "") -> serializers.IntegerField:
    """A count whose help is the figure's one definition (`queues.figures`)."""
    return serializers.IntegerField(source=source, read_only=True, help_text=_help(figure, what))


def _rate(figure: Figure, source: str, unit: str) -> serializers.FloatField:
    """A rate or mean (null when it has nothing to count), with the figure's definition."""
    return serializers.FloatField(
        source=source, read_only=True, allow_null=True, help_text=_help(figure, unit)
    )


def _help(figure: Figure, note: str) -> str:
    return f"{figure.definition} ({note})" if note else figure.definition


class DayFiguresSerializer(serializers.Serializer):
    """One queue's figures for one day: the counts, and the rates computed from them."""

    day = serializers.DateField()
    entries = _count(figures.CALLERS, "waits.callers")
    answered = _count(figures.ANSWERED, "waits.answered")
    abandoned = _count(figures.ABANDONED, "waits.abandoned", "how many")
    overflowed = _count(figures.OVERFLOWED, "waits.overflowed")
    ended_by_supervisor = _count(figures.ENDED_BY_SUPERVISOR, "waits.ended_by_supervisor")
    transferred = _count(figures.TRANSFERRED, "waits.transferred")
    answered_within_service_level = _count(
        figures.SERVICE_LEVEL, "waits.answered_in_time", "how many answered in time"
    )
    average_speed_of_answer = _rate(
        figures.SPEED_OF_ANSWER, "waits.average_speed_of_answer", "seconds"
    )
    abandonment_rate = _rate(figures.ABANDONED, "waits.abandonment_rate", "0 to 1")
    service_level = _rate(figures.SERVICE_LEVEL, "waits.service_level", "0 to 1")
    survey_answers = _count(figures.SURVEY_AVERAGE, "ratings.answers", "how many ratings")
    survey_average = _rate(figures.SURVEY_AVERAGE, "ratings.average", "1 to 5")


@extend_schema_field(OpenApiTypes.INT)
class SecondsField(serializers.ReadOnlyField):
    """A length of time as whole seconds."""

    def to_representation(self, value: dt.timedelta) -> int:
        return int(value.total_seconds())


def _seconds(figure: Figure, source: str) -> SecondsField:
    return SecondsField(source=source, help_text=_help(figure, "seconds"))


class AgentFiguresSerializer(serializers.Serializer):
    """One agent's calls and times over the days asked for."""

    agent = serializers.IntegerField(source="agent_id", read_only=True)
    name = serializers.CharField(read_only=True)
    calls_answered = _count(figures.CALLS_TAKEN, "answered")
    talk_seconds = _seconds(figures.TALK_TIME, "talk")
    hold_seconds = _seconds(figures.HOLD_TIME, "hold")
    wrap_up_seconds = _seconds(figures.WRAP_UP_TIME, "wrap_up")


class FiguresQuerySerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()

    def validate(self, data: dict) -> dict:
        if data["since"] > data["until"]:
            raise serializers.ValidationError({"until": ["until must not be before since."]})
        return data


class InboundNumberSerializer(SettingsSerializer):
    class Meta:
        model = InboundNumber
        fields = ["id", "phone_number", "queue", "label"]
        read_only_fields = ["id"]


class AgentSerializer(SettingsSerializer):
    """An agent's settings; the status moves with calls and the `status` action."""

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
        read_only_fields = ["id", "status", "status_changed_at", "idle_since"]


class AgentStatusSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    status = serializers.ChoiceField(choices=[AgentStatus.AVAILABLE, AgentStatus.OFFLINE])


class QueueEntrySerializer(serializers.ModelSerializer):
    call_sid = serializers.CharField(source="call.sid", read_only=True)
    caller = serializers.CharField(source="call.far_number", read_only=True)

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


class SurveyQuestionSerializer(SettingsSerializer):
    class Meta:
        model = SurveyQuestion
        fields = ["id", "position", "kind", "prompt", "num_digits"]
        read_only_fields = ["id"]
        extra_kwargs = {"position": {"required": True}}


class SurveySerializer(SettingsSerializer):
    """A survey with its questions; a write's `questions` is the whole new list,
    matched to the current questions by position (their answers stay with them)."""

    questions = SurveyQuestionSerializer(many=True, required=False)

    class Meta:
        model = Survey
        fields = ["id", "name", "introduction", "closing", "questions"]
        read_only_fields = ["id"]


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
