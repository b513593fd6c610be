"""The queues REST API (`/api/v1/`). Views validate shapes, then call
`queues.services`; the services' errors become 4xx answers (`ServiceErrorsMixin`).

Taking a caller off hold, sending them to the survey and hanging up on them
change a live call, so they need the same `CONTROL_CALLS` permission as the
calls API's redirects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import django_filters
from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from calls.api import REFUSED_BY_STATE, LiveChangeMixin, NewestFirst, ServiceErrorsMixin
from calls.exports import CsvExportViewSetMixin
from calls.filters import UtcDateTimeFilter
from calls.permissions import CONTROL_CALLS, ActionPermission, by_action
from calls.serializers import RedirectSerializer

from . import figures, selectors, services
from .models import Agent, InboundNumber, Queue, QueueEntry, Survey, SurveyResponse
from .permissions import (
    CHANGE_AGENTS,
    VIEW_AGENTS,
    VIEW_QUEUE_ENTRIES,
    VIEW_QUEUES,
    VIEW_SURVEY_RESPONSES,
)
from .serializers import (
    AgentFiguresSerializer,
    AgentSerializer,
    AgentStatusSerializer,
    AverageSerializer,
    AveragesQuerySerializer,
    DayFiguresSerializer,
    FiguresQuerySerializer,
    InboundNumberSerializer,
    NoBodySerializer,
    QueueEntrySerializer,
    QueueSerializer,
    SendToSurveySerializer,
    SurveyResponseSerializer,
    SurveySerializer,
    TakeOffHoldSerializer,
)


def setup_permissions(model: str, **actions: str) -> dict[str, str]:
    """Reading with `view_<model>`; creating, changing and deleting with the model's
    own permissions, as in the admin."""
    return by_action(
        f"queues.view_{model}",
        create=f"queues.add_{model}",
        update=f"queues.change_{model}",
        partial_update=f"queues.change_{model}",
        destroy=f"queues.delete_{model}",
        **actions,
    )


class SetupServices(NamedTuple):
    create: Callable[..., Model]
    update: Callable[..., Model]
    delete: Callable[[Model], None]


@extend_schema_view(destroy=extend_schema(responses={204: None, 409: REFUSED_BY_STATE}))
class SetupViewSet(ServiceErrorsMixin, viewsets.ModelViewSet):
    """Writes go through the entity's `setup_services`; the model's refusals (the
    checks the admin's forms run) are 400s on the fields they name, as every
    Django `ValidationError` is (callcenter/api_errors.py)."""

    setup_services: SetupServices
    permission_classes = [ActionPermission]

    def _shown(self, saved: Model) -> Model:
        """The saved row as the list shows it (with its annotations and prefetches)."""
        return self.get_queryset().get(pk=saved.pk)

    def perform_create(self, serializer: Serializer) -> None:
        serializer.instance = self._shown(self.setup_services.create(**serializer.validated_data))

    def perform_update(self, serializer: Serializer) -> None:
        saved = self.setup_services.update(serializer.instance, **serializer.validated_data)
        serializer.instance = self._shown(saved)

    def perform_destroy(self, instance: Model) -> None:
        self.setup_services.delete(instance)


class QueueViewSet(SetupViewSet):
    """Queues with their live figures and settings; `figures` gives them per day."""

    serializer_class = QueueSerializer
    action_permissions = setup_permissions("queue", figures=VIEW_QUEUES)
    setup_services = SetupServices(
        services.queue_create, services.queue_update, services.queue_delete
    )

    def get_queryset(self) -> QuerySet[Queue]:
        return selectors.with_live_figures(Queue.objects.prefetch_related("numbers"))

    @extend_schema(parameters=[FiguresQuerySerializer], responses=DayFiguresSerializer(many=True))
    @action(detail=True, methods=["get"])
    def figures(self, request: Request, pk: str) -> Response:
        """The queue's counts and rates for each day from `since` to `until` on which a
        wait ended (dates in the project's time zone); each field says what it counts."""
        query = FiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = figures.daily_figures(self.get_object(), **query.validated_data)
        return Response(DayFiguresSerializer(rows, many=True).data)


class InboundNumberViewSet(SetupViewSet):
    """Our numbers whose inbound calls wait in a queue (kept in E.164)."""

    queryset = InboundNumber.objects.all()
    serializer_class = InboundNumberSerializer
    action_permissions = setup_permissions("inboundnumber")
    setup_services = SetupServices(
        services.inbound_number_create,
        services.inbound_number_update,
        services.inbound_number_delete,
    )
    filterset_fields = ["queue"]


class AgentViewSet(SetupViewSet):
    """Agents, their settings and status; sign one in (`available`) or out (`offline`);
    `figures` gives each agent's calls answered, talk, hold and wrap-up time."""

    queryset = Agent.objects.prefetch_related("queues")
    action_permissions = setup_permissions("agent", status=CHANGE_AGENTS, figures=VIEW_AGENTS)
    setup_services = SetupServices(
        services.agent_create, services.agent_update, services.agent_delete
    )
    filterset_fields = ["status", "queues"]

    def get_serializer_class(self) -> type[Serializer]:
        return AgentStatusSerializer if self.action == "status" else AgentSerializer

    @extend_schema(parameters=[FiguresQuerySerializer], responses=AgentFiguresSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)  # one row per agent
    def figures(self, request: Request) -> Response:
        """Each agent who talked or wrapped up from `since` to `until` (dates in the
        project's time zone): calls answered, talk, hold and wrap-up time in seconds;
        each field says what it counts."""
        query = FiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = figures.agent_figures(**query.validated_data)
        return Response(AgentFiguresSerializer(rows, many=True).data)

    @extend_schema(responses={200: AgentSerializer, 409: REFUSED_BY_STATE})
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agent = services.set_agent_status(self.get_object(), serializer.validated_data["status"])
        return Response(AgentSerializer(agent).data)


class QueueEntryFilter(django_filters.FilterSet):
    enqueued_after = UtcDateTimeFilter("enqueued_at", lookup_expr="gte")
    enqueued_before = UtcDateTimeFilter("enqueued_at", lookup_expr="lt")

    class Meta:
        model = QueueEntry
        fields = ["queue", "status", "outcome", "agent", "call"]


class LatestEnqueuedFirst(CursorPagination):
    ordering = ("-enqueued_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 500


class QueueEntryViewSet(LiveChangeMixin, ServiceErrorsMixin, viewsets.ReadOnlyModelViewSet):
    """Callers' stays in queues, latest first; the supervisor's actions on a
    waiting or connected caller."""

    queryset = QueueEntry.objects.select_related("call")
    permission_classes = [ActionPermission]
    action_permissions = by_action(
        VIEW_QUEUE_ENTRIES,
        take_off_hold=CONTROL_CALLS,
        send_to_survey=CONTROL_CALLS,
        hang_up=CONTROL_CALLS,
    )
    filterset_class = QueueEntryFilter
    pagination_class = LatestEnqueuedFirst
    serializer_classes = {
        "take_off_hold": TakeOffHoldSerializer,
        "send_to_survey": SendToSurveySerializer,
        "hang_up": NoBodySerializer,
    }

    def get_serializer_class(self) -> type[Serializer]:
        return self.serializer_classes.get(self.action, QueueEntrySerializer)

    @extend_schema(responses={202: QueueEntrySerializer, 409: REFUSED_BY_STATE})
    @action(detail=True, methods=["post"], url_path="take-off-hold")
    def take_off_hold(self, request: Request, pk: str) -> Response:
        """Connect the caller to the named agent, or to the longest-idle available one."""
        return self.accept_change(services.take_off_hold, QueueEntrySerializer)

    @extend_schema(responses={202: RedirectSerializer, 409: REFUSED_BY_STATE})
    @action(detail=True, methods=["post"], url_path="send-to-survey")
    def send_to_survey(self, request: Request, pk: str) -> Response:
        """Send the caller to the survey now (the queue's, unless one is named)."""
        return self.accept_change(services.send_to_survey, RedirectSerializer)

    @extend_schema(responses={202: RedirectSerializer, 409: REFUSED_BY_STATE})
    @action(detail=True, methods=["post"], url_path="hang-up")
    def hang_up(self, request: Request, pk: str) -> Response:
        """Say goodbye to the caller and hang up."""
        return self.accept_change(services.hang_up_politely, RedirectSerializer)


class SurveyViewSet(SetupViewSet):
    """Surveys with their questions; the survey's permissions cover its questions."""

    queryset = Survey.objects.prefetch_related("questions")
    serializer_class = SurveySerializer
    action_permissions = setup_permissions("survey")
    setup_services = SetupServices(
        services.survey_create, services.survey_update, services.survey_delete
    )


class SurveyResponseViewSet(CsvExportViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Survey answers; `averages` gives the mean rating per agent or per queue."""

    queryset = SurveyResponse.objects.select_related("call")
    serializer_class = SurveyResponseSerializer
    permission_classes = [ActionPermission]
    action_permissions = by_action(
        VIEW_SURVEY_RESPONSES, averages=VIEW_SURVEY_RESPONSES, export=VIEW_SURVEY_RESPONSES
    )
    filterset_fields = ["survey", "question", "agent", "queue", "call"]
    pagination_class = NewestFirst

    @extend_schema(parameters=[AveragesQuerySerializer], responses=AverageSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)  # one row per agent or queue
    def averages(self, request: Request) -> Response:
        """Mean 1 to 5 rating per `by` (agent or queue), over the responses the filters select."""
        query = AveragesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        responses = self.filter_queryset(self.get_queryset())
        rows = figures.survey_averages(responses, query.validated_data["by"])
        return Response(AverageSerializer(rows, many=True).data)
