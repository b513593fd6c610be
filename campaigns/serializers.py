"""Shapes of the campaigns API. Validation of meaning is the services' job; these
check types and hand the values over."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Campaign, Contact, DoNotCall
from .selectors import campaign_progress
from .services.lifecycle import EDITABLE_FIELDS


class ProgressSerializer(serializers.Serializer):
    """Documents `selectors.campaign_progress` (a campaign's `progress`, its `stats/`)."""

    total = serializers.IntegerField()
    waiting = serializers.IntegerField()
    dialing = serializers.IntegerField()
    done = serializers.IntegerField()
    percent_done = serializers.FloatField()
    outcomes = serializers.DictField(child=serializers.IntegerField(), help_text="by outcome")
    attempts = serializers.IntegerField()
    calls_per_second = serializers.FloatField(help_text="dialed over the last minute")
    eta_seconds = serializers.IntegerField(allow_null=True)


class CampaignSerializer(serializers.ModelSerializer):
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


class ContactSerializer(serializers.ModelSerializer):
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


class RejectedRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    phone_number = serializers.CharField(required=False)
    value = serializers.CharField(required=False)
    reason = serializers.CharField()


class ContactImportSerializer(serializers.Serializer):
    """Documents the contacts upload's answer."""

    rows = serializers.IntegerField()
    imported = serializers.IntegerField()
    rejected = RejectedRowSerializer(many=True)


class DoNotCallImportSerializer(serializers.Serializer):
    """Documents the do-not-call upload's answer."""

    added = serializers.IntegerField()
    already_listed = serializers.IntegerField()
    rejected = RejectedRowSerializer(many=True)
