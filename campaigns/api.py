"""The campaigns REST API (`/api/v1/campaigns/`). Views check shapes and call
`campaigns.services`; a refused move (pausing a draft…) is a 409 with the reason."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from calls.api import ServiceErrorsMixin
from calls.exports import CSV_RESPONSE, csv_response
from calls.permissions import ActionPermission, by_action

from .csv_files import MAX_UPLOAD_BYTES
from .filters import OUTCOME_PARAMETER, STATE_PARAMETER, AttemptFilter, ContactFilter
from .models import Attempt, Campaign, CsvImport, DoNotCall, ImportKind
from .permissions import (
    ADD_CAMPAIGNS,
    ADD_DO_NOT_CALL,
    CHANGE_CAMPAIGNS,
    DELETE_CAMPAIGNS,
    DELETE_DO_NOT_CALL,
    RUN_CAMPAIGNS,
    VIEW_CAMPAIGNS,
    VIEW_DO_NOT_CALL,
)
from .selectors import campaign_progress
from .serializers import (
    AttemptSerializer,
    CampaignSerializer,
    ContactSerializer,
    ContactUploadSerializer,
    CsvImportSerializer,
    DoNotCallSerializer,
    ProgressSerializer,
)
from .services import dnc, imports, lifecycle

IMPORT_ID = OpenApiParameter("import_id", int, OpenApiParameter.PATH, description="the import's id")
UPLOADS = ("upload_contacts", "upload")


def uploaded_file(request: Request) -> tuple[str, str]:
    """The uploaded file's name and text, or a 400 on `file`."""
    serializer = ContactUploadSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    upload = serializer.validated_data["file"]
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": [f"At most {MAX_UPLOAD_BYTES // 2**20} MiB a file."]})
    try:
        return upload.name, upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": ["The file must be UTF-8 text (CSV)."]}) from exc


def import_accepted(job: CsvImport, status_url: str) -> Response:
    """202: the file is queued; its state, progress and row report are at `status_url`."""
    body = {**CsvImportSerializer(job).data, "status_url": status_url}
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": status_url})


class UploadSerializerMixin:
    """An upload's refusals (no phone column, too many rows…) are 400s on `file`:
    the upload actions take their input through the upload serializer."""

    def get_serializer_class(self):
        if self.action in UPLOADS:
            return ContactUploadSerializer
        return super().get_serializer_class()


class CampaignViewSet(UploadSerializerMixin, ServiceErrorsMixin, viewsets.ModelViewSet):
    """Campaigns: create and edit, start/pause/resume/cancel, progress, contacts."""

    serializer_class = CampaignSerializer
    pagination_class = PageNumberPagination
    permission_classes = [ActionPermission]
    lookup_value_regex = r"\d+"
    action_permissions = by_action(
        VIEW_CAMPAIGNS,
        stats=VIEW_CAMPAIGNS,
        contacts=VIEW_CAMPAIGNS,
        contacts_export=VIEW_CAMPAIGNS,
        attempts=VIEW_CAMPAIGNS,
        contacts_import=VIEW_CAMPAIGNS,
        create=ADD_CAMPAIGNS,
        update=CHANGE_CAMPAIGNS,
        partial_update=CHANGE_CAMPAIGNS,
        upload_contacts=CHANGE_CAMPAIGNS,
        destroy=DELETE_CAMPAIGNS,
        start=RUN_CAMPAIGNS,
        pause=RUN_CAMPAIGNS,
        resume=RUN_CAMPAIGNS,
        cancel=RUN_CAMPAIGNS,
    )
    queryset = Campaign.objects.select_related("survey", "queue")

    def perform_create(self, serializer: CampaignSerializer) -> None:
        serializer.instance = lifecycle.create_campaign(
            created_by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: CampaignSerializer) -> None:
        serializer.instance = lifecycle.update_campaign(
            serializer.instance.pk, **serializer.validated_data
        )

    def perform_destroy(self, campaign: Campaign) -> None:
        lifecycle.delete_campaign(campaign.pk)

    def _move(self, move) -> Response:
        campaign = move(self.get_object().pk)
        return Response(self.get_serializer(campaign).data)

    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        """Schedule the campaign; it runs at once unless its start time is later."""
        return self._move(lifecycle.start)

    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str) -> Response:
        """Stop new dials at once; calls under way go on."""
        return self._move(lifecycle.pause)

    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        return self._move(lifecycle.resume)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """No more dials; contacts not reached yet end `canceled`."""
        return self._move(lifecycle.cancel)

    @extend_schema(responses=ProgressSerializer)
    @action(detail=True, methods=["get"])
    def stats(self, request: Request, pk: str) -> Response:
        """Counts by outcome, percent done, current calls/s and ETA."""
        return Response(campaign_progress(self.get_object()).as_dict())

    def _filtered(self, filterset_class, queryset: QuerySet) -> QuerySet:
        """`queryset` as the query's filters select it; a bad filter is a 400 naming it."""
        filterset = filterset_class(self.request.query_params, queryset=queryset)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset.qs

    def _filtered_page(self, filterset_class, queryset: QuerySet, serializer_class) -> Response:
        page = self.paginate_queryset(self._filtered(filterset_class, queryset))
        return self.get_paginated_response(serializer_class(page, many=True).data)

    def _contacts(self) -> QuerySet:
        return (
            self.get_object()
            .contacts.order_by("id")
            .prefetch_related(
                Prefetch("attempt_set", queryset=Attempt.objects.select_related("call"))
            )
        )

    @extend_schema(
        parameters=[OUTCOME_PARAMETER, STATE_PARAMETER],
        responses=ContactSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def contacts(self, request: Request, pk: str) -> Response:
        """The campaign's contacts, each with its attempts (time, outcome, call)."""
        return self._filtered_page(ContactFilter, self._contacts(), ContactSerializer)

    @extend_schema(parameters=[OUTCOME_PARAMETER, STATE_PARAMETER], responses=CSV_RESPONSE)
    @action(detail=True, methods=["get"], url_path="contacts/export")
    def contacts_export(self, request: Request, pk: str) -> StreamingHttpResponse:
        """The contacts the filters select as CSV, in the columns of `contacts`."""
        contacts = self._filtered(ContactFilter, self._contacts())
        return csv_response(ContactSerializer, contacts, f"campaign-{pk}-contacts.csv")

    @extend_schema(parameters=[OUTCOME_PARAMETER], responses=AttemptSerializer(many=True))
    @action(detail=True, methods=["get"])
    def attempts(self, request: Request, pk: str) -> Response:
        """Every dial of the campaign, first first: contact, time, outcome and call."""
        attempts = (
            Attempt.objects.filter(contact__campaign=self.get_object())
            .select_related("call", "contact")
            .order_by("created_at", "id")
        )
        return self._filtered_page(AttemptFilter, attempts, AttemptSerializer)

    @extend_schema(request=ContactUploadSerializer, responses={202: CsvImportSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="contacts/upload",
        parser_classes=[MultiPartParser, FormParser],
    )
    def upload_contacts(self, request: Request, pk: str) -> Response:
        """Queue a CSV for import (202); its `status_url` shows the progress, then the
        count of imported rows and each rejected one with its reason."""
        name, text = uploaded_file(request)
        job = imports.upload_contacts(
            self.get_object().pk, text, file_name=name, created_by=request.user
        )
        url = self.reverse_action(
            self.contacts_import.url_name, kwargs={"pk": pk, "import_id": job.pk}
        )
        return import_accepted(job, url)

    @extend_schema(responses=CsvImportSerializer, parameters=[IMPORT_ID])
    @action(detail=True, methods=["get"], url_path=r"contacts/imports/(?P<import_id>\d+)")
    def contacts_import(self, request: Request, pk: str, import_id: str) -> Response:
        """A contacts file's import: state, progress, and the row report once done."""
        job = get_object_or_404(self.get_object().imports, pk=import_id)
        return Response(CsvImportSerializer(job).data)


class DoNotCallViewSet(
    UploadSerializerMixin,
    ServiceErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The do-not-call list: numbers and prefixes, never dialed by any campaign."""

    serializer_class = DoNotCallSerializer
    pagination_class = PageNumberPagination
    permission_classes = [ActionPermission]
    action_permissions = by_action(
        VIEW_DO_NOT_CALL,
        create=ADD_DO_NOT_CALL,
        destroy=DELETE_DO_NOT_CALL,
        upload=ADD_DO_NOT_CALL,
        upload_import=VIEW_DO_NOT_CALL,
    )

    def get_queryset(self) -> QuerySet[DoNotCall]:
        return DoNotCall.objects.all()

    def perform_create(self, serializer: DoNotCallSerializer) -> None:
        serializer.instance = dnc.add_entry(
            created_by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, entry: DoNotCall) -> None:
        dnc.remove_entry(entry.pk)

    @extend_schema(request=ContactUploadSerializer, responses={202: CsvImportSerializer})
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request: Request) -> Response:
        """Queue a CSV with a `number` or `prefix` column (and optional `reason`) for
        import (202); its `status_url` shows the progress, then the row report."""
        name, text = uploaded_file(request)
        job = imports.upload_do_not_call(text, file_name=name, created_by=request.user)
        url = self.reverse_action(self.upload_import.url_name, kwargs={"import_id": job.pk})
        return import_accepted(job, url)

    @extend_schema(responses=CsvImportSerializer, parameters=[IMPORT_ID])
    @action(detail=False, methods=["get"], url_path=r"imports/(?P<import_id>\d+)")
    def upload_import(self, request: Request, import_id: str) -> Response:
        """A do-not-call file's import: state, progress, and the row report once done."""
        job = get_object_or_404(CsvImport, kind=ImportKind.DO_NOT_CALL, pk=import_id)
        return Response(CsvImportSerializer(job).data)
