"""`GET /api/v1/calls/{id}/timeline/`: the call's timeline the admin shows, as JSON,
for tools that tell a call's story outside the admin (CRM, ticketing)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calls.filters import call_reference
from calls.models import Call
from calls.permissions import VIEW_CALLS
from calls.serializers import CallSerializer

from .selectors.timeline import MOMENT_KINDS, call_timeline


class CanViewCalls(BasePermission):
    """Anonymous → 401; signed in without `calls.view_call` → 403."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(VIEW_CALLS))


class LegReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sid = serializers.CharField(allow_null=True)


class MomentSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(
        choices=MOMENT_KINDS,
        help_text="The record the moment comes from: the call itself, a status callback "
        "or other event, a leg, a redirect, a conference callback, an action on the "
        "conversation, a hold (with its length), a transfer, a stay in a queue, a "
        "campaign attempt, a survey answer.",
    )
    what = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    who = serializers.CharField(allow_blank=True, help_text="Who asked for it, when a person did.")
    tone = serializers.ChoiceField(
        choices=["", "good", "bad"], allow_blank=True, help_text="How a result went."
    )
    leg = LegReferenceSerializer(allow_null=True, help_text="The leg it happened on, if any.")


class TimelineSerializer(serializers.Serializer):
    call = CallSerializer()
    legs = CallSerializer(many=True)
    moments = MomentSerializer(many=True, help_text="Oldest first.")


class CallTimelineView(APIView):
    permission_classes = [CanViewCalls]

    @extend_schema(
        operation_id="calls_timeline",
        summary="A call's timeline",
        description="Everything that happened to the call, oldest first: status "
        "callbacks and other events, legs, redirects (who asked, how they went), "
        "stays in queues, its campaign attempt and survey answers; the same "
        "timeline as the call's page in the admin.",
        parameters=[
            OpenApiParameter(
                "id",
                str,
                OpenApiParameter.PATH,
                description="The call's Twilio SID (CA…) or its id.",
            )
        ],
        responses=TimelineSerializer,
        tags=["calls"],
    )
    def get(self, request: Request, id: str) -> Response:
        call = get_object_or_404(
            Call.objects.select_related("parent", "created_by"), call_reference(id)
        )
        return Response(TimelineSerializer(call_timeline(call)).data)
