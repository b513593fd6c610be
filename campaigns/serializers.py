"""Shapes of the campaigns API. Validation of meaning is the services' job; these
check types and hand the values over."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from calls.dataclass_serializers import dataclass_serializer
from calls.serializers import RejectReadOnlyFieldsMixin, RejectUnknownFieldsMixin

from .models import Attempt, Campaign, Contact, CsvImport, DoNotCall
from .selectors import Progress, campaign_progress
from .services.lifecycle import EDITABLE_FIELDS

READ_ONLY_MESSAGE = (
    "Read-only field; the product sets it (start, pause, resume and cancel move the state)."
)


ProgressSerializer = dataclass_serializer(Progress)


class CampaignSerializer(
    RejectReadOnlyFieldsMixin, RejectUnknownFieldsMixin, serializers.ModelSerializer
):
    """Unknown and read-only fields are refused by name: a client sending
    `calls_per_secnd` or `state` would otherwise believe it took effect."""

    read_only_message = READ_ONLY_MESSAGE
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "state",
            *sorted(EDITABLE_FIELDS - {"name"}),
            "created_at",
            "started_at",
            "finished_at",
            "progress",
        ]
        read_only_fields = ["state", "created_at", "started_at", "finished_at"]
        # Uniqueness and ranges are the services' rules, with their own messages.
        validators = []
        extra_kwargs = {"name": {"validators": []}}

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, campaign: Campaign) -> dict:
        return campaign_progress(campaign).as_dict()


class AttemptSerializer(serializers.ModelSerializer):
    """One dial of a contact: when, what came of it, and the call it became."""

    call_sid = serializers.CharField(source="call.sid", read_only=True, allow_null=True)
    phone_number = serializers.CharField(source="contact.phone_number", read_only=True)

    class Meta:
        model = Attempt
        fields = [
            "id",
            "contact",
            "phone_number",
            "number",
            "created_at",
            "outcome",
            "call",
            "call_sid",
        ]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    """A contact with its attempts so far (`attempts` counts them)."""

    attempt_history = AttemptSerializer(source="attempt_set", many=True, read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "phone_number",
            "time_zone",
            "variables",
            "send_digits",
            "state",
            "outcome",
            "attempts",
            "next_attempt_at",
            "last_call",
            "attempt_history",
        ]
        read_only_fields = fields


class ContactUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV with a header row: phone_number (or phone, number, to), optional "
        "send_digits, and any other columns as the contact's variables"
    )


class DoNotCallSerializer(serializers.ModelSerializer):
    class Meta:
        model = DoNotCall
        fields = ["id", "value", "is_prefix", "reason", "created_at"]
        read_only_fields = ["created_at"]
        validators = []


class CsvImportSerializer(serializers.ModelSerializer):
    """An uploaded file's import: its state and progress, then its row report."""

    percent_done = serializers.FloatField(read_only=True)

    class Meta:
        model = CsvImport
        fields = [
            "id",
            "kind",
            "campaign",
            "file_name",
            "state",
            "rows",
            "processed",
            "percent_done",
            "imported",
            "already_listed",
            "rejected",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields
