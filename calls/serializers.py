"""Shapes of the calls API. Serializers check shapes only; every rule about
calls lives in `calls.services`, which the views call with the validated data.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from . import rules
from .models import Call, CallEvent, Redirect

# Where the call goes for its instructions, on a call or on a redirect.
FLOW_FIELDS = ["url", "twiml", "method", "fallback_url", "fallback_method"]
# How an outbound call is dialed.
DIALING_FIELDS = ["if_machine", "async_amd", "send_digits", "timeout", "time_limit"]


def expose_from(fields: dict[str, Any]) -> dict[str, Any]:
    """Twilio calls the caller ID `from`, a Python keyword: we declare `from_` and
    offer it to clients as `from`, in place."""
    return {("from" if name == "from_" else name): field for name, field in fields.items()}


class FromFieldMixin:
    def get_fields(self) -> dict[str, serializers.Field]:
        return expose_from(super().get_fields())


class RejectUnknownFieldsMixin:
    """A misspelt or unsupported parameter (`StatusCallback`, `record`) is an error,
    not dropped in silence: the client would believe it took effect."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                accepted = ", ".join(
                    name for name, field in self.fields.items() if not field.read_only
                )
                raise serializers.ValidationError(
                    {name: [f"Unknown field; this request takes {accepted}."] for name in unknown}
                )
        return super().to_internal_value(data)


class RejectReadOnlyFieldsMixin:
    """A read-only field sent in a write is refused by name: the client would
    otherwise believe it changed what the product sets."""

    read_only_message = "Read-only field; the product sets it."

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            read_only = sorted(
                name for name in data if name in self.fields and self.fields[name].read_only
            )
            if read_only:
                raise serializers.ValidationError(
                    {name: [self.read_only_message] for name in read_only}
                )
        return super().to_internal_value(data)


class CallEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallEvent
        fields = [
            "id",
            "kind",
            "call_status",
            "sequence_number",
            "timestamp",
            "params",
            "received_at",
        ]
        read_only_fields = fields


class RedirectSerializer(serializers.ModelSerializer):
    call_sid = serializers.CharField(source="call.sid", read_only=True, allow_null=True)
    action = serializers.CharField(source="get_action_display", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Redirect
        fields = [
            "id",
            "call",
            "call_sid",
            "action",
            *FLOW_FIELDS,
            "target_status",
            "origin",
            "requested_by",
            "reason",
            "trigger",
            "due_at",
            "state",
            "attempts",
            "error_code",
            "error_message",
            "error_url",
            "created_at",
            "sent_at",
            "finished_at",
        ]
        read_only_fields = fields


class CallSerializer(FromFieldMixin, serializers.ModelSerializer):
    parent_sid = serializers.CharField(source="parent.sid", read_only=True, default=None)
    to = serializers.CharField(source="to_number", read_only=True)
    from_ = serializers.CharField(source="from_number", read_only=True)

    class Meta:
        model = Call
        fields = [
            "id",
            "sid",
            "parent",
            "parent_sid",
            "direction",
            "from_",
            "to",
            "status",
            "answered_by",
            "outcome",
            "start_time",
            "end_time",
            "duration",
            "price",
            "price_unit",
            "queue_time",
            *FLOW_FIELDS,
            *DIALING_FIELDS,
            "source",
            "error_code",
            "error_message",
            "error_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CallDetailSerializer(CallSerializer):
    """A call with its legs, every callback Twilio sent about it, and its redirects."""

    legs = CallSerializer(many=True, read_only=True)
    events = CallEventSerializer(many=True, read_only=True)
    redirects = RedirectSerializer(many=True, read_only=True)

    class Meta(CallSerializer.Meta):
        fields = [*CallSerializer.Meta.fields, "legs", "events", "redirects"]
        read_only_fields = fields


class PlaceCallSerializer(RejectUnknownFieldsMixin, FromFieldMixin, serializers.ModelSerializer):
    """What `POST /calls/` accepts: the Twilio create parameters we support, in snake case.

    Its validated data are the keyword arguments of `services.place_call`; what
    was not sent keeps the service's default.
    """

    to = serializers.CharField(max_length=128, help_text="any format")
    # Bound as `from`: `source` keeps the service's keyword in the validated data.
    from_ = serializers.CharField(source="from_", max_length=128, help_text="any format")

    class Meta:
        model = Call
        fields = [
            "to",
            "from_",
            *FLOW_FIELDS,
            *DIALING_FIELDS,
        ]
        # The column holds any small number; the rule's range and words apply.
        extra_kwargs = {
            "timeout": {
                "min_value": rules.TIMEOUT_RANGE[0],
                "max_value": rules.TIMEOUT_RANGE[1],
                "error_messages": dict.fromkeys(
                    ["invalid", "min_value", "max_value", "max_string_length"], rules.TIMEOUT_RULE
                ),
            }
        }


class ControlRequestSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(
        max_length=200, required=False, help_text="why, in a few words (kept on the record)"
    )


# The ways to say when a change happens; none of them means now.
WHEN_FIELDS = ["at", "after_seconds", "when_leg_ends"]
AFTER_SECONDS_MAX = 86_400


def chosen_when_fields(values: Mapping[str, Any]) -> list[str]:
    """Which of `WHEN_FIELDS` carry a choice (a false `when_leg_ends` is no choice)."""
    return [name for name in WHEN_FIELDS if values.get(name) not in (None, False)]


def one_when_only(chosen: list[str]) -> str:
    """The error put on each of the `chosen` fields when there are several."""
    return f"Give only one of {', '.join(WHEN_FIELDS)}; got {' and '.join(chosen)}."


def when_arguments(values: Mapping[str, Any]) -> dict[str, Any]:
    """The services' `at` / `on_leg_end` keywords for one valid choice of `WHEN_FIELDS`."""
    if values.get("after_seconds") is not None:
        return {"at": timezone.now() + dt.timedelta(seconds=values["after_seconds"])}
    if values.get("when_leg_ends"):
        return {"on_leg_end": True}
    return {"at": values.get("at")}


class ScheduleFields(serializers.Serializer):
    """`at` a moment or `after_seconds`: when a change asked now is to happen."""

    at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="ISO 8601; in the future. Omit for now."
    )
    after_seconds = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=AFTER_SECONDS_MAX,
        help_text="Do it this many seconds from now.",
    )


class HangUpRequestSerializer(ControlRequestSerializer, ScheduleFields):
    """When the change happens: now (the default), `at` a moment, `after_seconds`, or
    `when_leg_ends`; at most one of them."""

    when_leg_ends = serializers.BooleanField(
        required=False,
        help_text=(
            "Do it when the call's `<Dial>` leg ends (at once if none is live); "
            "the leg is not interrupted."
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The services' keywords: the choice of `WHEN_FIELDS` becomes `at` or `on_leg_end`."""
        chosen = chosen_when_fields(attrs)
        if len(chosen) > 1:
            raise serializers.ValidationError({name: [one_when_only(chosen)] for name in chosen})
        when = when_arguments(attrs)
        return {
            **{name: value for name, value in attrs.items() if name not in WHEN_FIELDS},
            **when,
        }


class RedirectRequestSerializer(HangUpRequestSerializer, serializers.ModelSerializer):
    """New Url (with Method and fallback) or inline Twiml for a live call."""

    class Meta:
        model = Redirect
        fields = [*FLOW_FIELDS, *WHEN_FIELDS, "reason"]
