"""The recordings REST API (`/api/v1/`): policies (set up like queues), recordings
with their pause, resume, stop and legal hold, and their media streamed through
the product. Views validate shapes, then call `recordings.services`."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from calls.api import REFUSED_BY_STATE, NewestFirst, ServiceErrorsMixin
from calls.exceptions import TwilioError, TwilioUnreachable
from calls.models import Source
from calls.permissions import ActionPermission, by_action

from . import services
from .models import Recording, RecordingPolicy
from .permissions import MANAGE_RECORDINGS, VIEW_POLICIES, VIEW_RECORDINGS
from .playback import media_response
from .serializers import (
    LegalHoldSerializer,
    NoBodySerializer,
    PauseSerializer,
    RecordingActionSerializer,
    RecordingDetailSerializer,
    RecordingPolicySerializer,
    RecordingSerializer,
)


class MediaUnavailable(APIException):
    """Twilio did not hand the recording's media over."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "media-unavailable"


class RecordingPolicyViewSet(ServiceErrorsMixin, viewsets.ModelViewSet):
    """Recording policies: off, from the answer or from the agent's join; the consent
    announcement; the retention in days. Name one on a queue or a campaign
    (`recording_policy`)."""

    queryset = RecordingPolicy.objects.all()
    serializer_class = RecordingPolicySerializer
    permission_classes = [ActionPermission]
    action_permissions = by_action(
        VIEW_POLICIES,
        create="recordings.add_recordingpolicy",
        update="recordings.change_recordingpolicy",
        partial_update="recordings.change_recordingpolicy",
        destroy="recordings.delete_recordingpolicy",
    )

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError(exc.message_dict)
        return super().handle_exception(exc)

    def perform_create(self, serializer: Serializer) -> None:
        serializer.instance = services.recording_policy_create(**serializer.validated_data)

    def perform_update(self, serializer: Serializer) -> None:
        serializer.instance = services.recording_policy_update(
            serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: RecordingPolicy) -> None:
        services.recording_policy_delete(instance)


class RecordingViewSet(ServiceErrorsMixin, viewsets.ReadOnlyModelViewSet):
    """Recordings with their status, duration and retention; pause (for a card
    number), resume and stop a live one; hold one past its retention; play it."""

    permission_classes = [ActionPermission]
    action_permissions = by_action(
        VIEW_RECORDINGS,
        pause=MANAGE_RECORDINGS,
        resume=MANAGE_RECORDINGS,
        stop=MANAGE_RECORDINGS,
        legal_hold=MANAGE_RECORDINGS,
        media=MANAGE_RECORDINGS,
    )
    pagination_class = NewestFirst
    filterset_fields = ["call", "status", "legal_hold"]
    request_serializers = {
        "pause": PauseSerializer,
        "resume": NoBodySerializer,
        "stop": NoBodySerializer,
        "legal_hold": LegalHoldSerializer,
    }

    def get_queryset(self) -> QuerySet[Recording]:
        recordings = Recording.objects.select_related("call")
        if self.action == "retrieve":
            recordings = recordings.prefetch_related("actions__requested_by")
        return recordings

    def get_serializer_class(self) -> type[Serializer]:
        if self.action == "retrieve":
            return RecordingDetailSerializer
        return self.request_serializers.get(self.action, RecordingSerializer)

    def _act(self, service) -> Response:
        recording = self.get_object()
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        done = service(
            recording,
            **serializer.validated_data,
            origin=Source.API,
            requested_by=self.request.user,
        )
        return Response(RecordingActionSerializer(done).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={202: RecordingActionSerializer, 409: REFUSED_BY_STATE})
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str) -> Response:
        """Pause a recording (for a card number): silence in the media by default."""
        return self._act(services.recording_pause)

    @extend_schema(responses={202: RecordingActionSerializer, 409: REFUSED_BY_STATE})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        """Resume a paused recording."""
        return self._act(services.recording_resume)

    @extend_schema(responses={202: RecordingActionSerializer, 409: REFUSED_BY_STATE})
    @action(detail=True, methods=["post"])
    def stop(self, request: Request, pk: str) -> Response:
        """Stop a live recording for good (the call goes on unrecorded)."""
        return self._act(services.recording_stop)

    @extend_schema(responses={200: RecordingSerializer, 409: REFUSED_BY_STATE})
    @action(detail=True, methods=["post"], url_path="legal-hold")
    def legal_hold(self, request: Request, pk: str) -> Response:
        """Hold the recording past its retention (`true`), or lift the hold (`false`)."""
        recording = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        held = services.recording_legal_hold_set(
            recording, hold=serializer.validated_data["legal_hold"], requested_by=request.user
        )
        return Response(RecordingSerializer(held, context={"request": request}).data)

    @extend_schema(
        responses={
            (200, "audio/x-wav"): OpenApiResponse(OpenApiTypes.BINARY, description="the WAV"),
            409: REFUSED_BY_STATE,
            502: OpenApiResponse(OpenApiTypes.OBJECT, description="Twilio kept the media back"),
        }
    )
    @action(detail=True, methods=["get"])
    def media(self, request: Request, pk: str):
        """The recording's audio, fetched from Twilio with the account's credentials."""
        recording = self.get_object()
        try:
            return media_response(recording)
        except (TwilioError, TwilioUnreachable) as failed:
            raise MediaUnavailable(
                {"detail": failed.message, "code": "media-unavailable"}
            ) from failed
