"""The calls REST API (`/api/v1/`). Views validate shapes, then call
`calls.services`; the services' errors become 4xx answers here."""

from collections.abc import Callable
from typing import Any

from django.db.models import Model, Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from . import rules, services
from .exceptions import RuleViolation
from .exports import CsvExportViewSetMixin
from .filters import CALL_REFERENCE_PATTERN, CallFilter, RedirectFilter, call_reference
from .models import Call, Redirect, Source
from .permissions import (
    CONTROL_CALLS,
    PLACE_CALLS,
    VIEW_CALLS,
    VIEW_REDIRECTS,
    ActionPermission,
    by_action,
)
from .serializers import (
    CallDetailSerializer,
    CallSerializer,
    ControlRequestSerializer,
    HangUpRequestSerializer,
    PlaceCallSerializer,
    RedirectRequestSerializer,
    RedirectSerializer,
)


class Conflict(APIException):
    """The request is well formed but the call's (or redirect's) state refuses it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


REFUSED_BY_STATE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="The call's or redirect's state refuses the change (`detail`, `code`).",
)


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = (
        "This Idempotency-Key was already used with a different request body. "
        "Send the original body to get its call back, or use a new key for a new call."
    )


class ServiceErrorsMixin:
    """Turns a service's `RuleViolation` into an answer: a 400 on the input it names
    when the action takes that input from the client, else a 409 (the state of the
    call or redirect refuses the request)."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, RuleViolation):
            exc = self.rule_violation_error(exc)
        return super().handle_exception(exc)

    def rule_violation_error(self, error: RuleViolation) -> APIException:
        inputs = self.get_serializer().fields
        if error.field in inputs and not inputs[error.field].read_only:
            return ValidationError({error.field: [error.message]}, code=error.code)
        return Conflict({"detail": error.message, "code": error.code})


class LiveChangeMixin:
    """The actions that change a live call (redirect, hang up, take off hold…), one way:
    the object first (404), then the body through the action's serializer (400 on the
    field), then the service with who asked, answered 202 with what it returned, since
    Twilio's answer comes later."""

    def accept_change(self, service: Callable[..., Model], answer: type[Serializer]) -> Response:
        target = self.get_object()
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        changed = service(
            target, **serializer.validated_data, origin=Source.API, requested_by=self.request.user
        )
        return Response(answer(changed).data, status=status.HTTP_202_ACCEPTED)


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 500


IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = Call._meta.get_field("idempotency_key").max_length
IDEMPOTENCY_KEY = OpenApiParameter(
    IDEMPOTENCY_KEY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        f"Any unique string of at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters (a UUID). "
        "A retry with the same key and body returns the call the first request created, "
        "with the header `Idempotent-Replayed: true`, instead of dialing again. "
        "Keys are per user."
    ),
)


def idempotency_key(request: Request) -> str:
    key = request.headers.get(IDEMPOTENCY_KEY_HEADER, "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationError(
            {IDEMPOTENCY_KEY_HEADER: [f"At most {IDEMPOTENCY_KEY_MAX_LENGTH} characters."]}
        )
    return key


def same_request(call: Call, arguments: dict[str, Any]) -> bool:
    """Whether `arguments` (for `place_call`, already valid) ask for the call that
    `call` records; what they leave out must have been left at its default."""
    asked = {
        "to_number": rules.phone_number(arguments["to"], field="to"),
        "from_number": rules.phone_number(arguments["from_"], field="from"),
    }
    for name in PlaceCallSerializer.Meta.fields:
        if name not in ("to", "from_"):
            asked[name] = arguments.get(name, Call._meta.get_field(name).get_default())
    return all(getattr(call, name) == value for name, value in asked.items())


class CallViewSet(
    CsvExportViewSetMixin, LiveChangeMixin, ServiceErrorsMixin, viewsets.ReadOnlyModelViewSet
):
    """Calls and their legs; place a call; redirect, hang up or cancel a live one.

    `{id}` is the Twilio SID (CA…) or our own id.
    """

    permission_classes = [ActionPermission]
    action_permissions = by_action(
        VIEW_CALLS,
        export=VIEW_CALLS,
        create=PLACE_CALLS,
        redirect=CONTROL_CALLS,
        hangup=CONTROL_CALLS,
        cancel=CONTROL_CALLS,
    )
    filterset_class = CallFilter
    pagination_class = NewestFirst
    lookup_value_regex = CALL_REFERENCE_PATTERN
    request_serializers = {
        "create": PlaceCallSerializer,
        "redirect": RedirectRequestSerializer,
        "hangup": HangUpRequestSerializer,
        "cancel": ControlRequestSerializer,
    }

    def get_serializer_class(self) -> type[Serializer]:
        if self.action == "retrieve":
            return CallDetailSerializer
        return self.request_serializers.get(self.action, CallSerializer)

    def get_queryset(self) -> QuerySet[Call]:
        calls = Call.objects.select_related("parent")
        if self.action == "retrieve":
            calls = calls.prefetch_related(
                Prefetch("legs", queryset=Call.objects.order_by("created_at", "id")),
                "events",
                Prefetch("redirects", queryset=Redirect.objects.select_related("requested_by")),
            )
        return calls

    def get_object(self) -> Call:
        call = get_object_or_404(self.get_queryset(), call_reference(self.kwargs["pk"]))
        self.check_object_permissions(self.request, call)
        return call

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        responses={
            202: CallSerializer,
            422: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The Idempotency-Key came with another body (`detail`, `code`).",
            ),
        },
    )
    def create(self, request: Request) -> Response:
        """Place an outbound call. It is dialed right after this answer (status `pending`)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        arguments = serializer.validated_data
        key = idempotency_key(request)
        earlier = self._call_for_key(key) if key else None
        call = earlier or services.place_call(
            **arguments, source=Source.API, created_by=request.user, idempotency_key=key
        )
        # The service answers a key it has seen (even in a race) with that key's call.
        if key and not same_request(call, arguments):
            raise IdempotencyKeyReused()
        headers = {"Idempotent-Replayed": "true"} if earlier else {}
        return Response(CallSerializer(call).data, status=status.HTTP_202_ACCEPTED, headers=headers)

    def _call_for_key(self, key: str) -> Call | None:
        return (
            Call.objects.select_related("parent")
            .filter(created_by=self.request.user, idempotency_key=key)
            .first()
        )

    @extend_schema(responses={202: RedirectSerializer, 409: REFUSED_BY_STATE})
    @action(detail=True, methods=["post"])
    def redirect(self, request: Request, pk: str) -> Response:
        """Send the call to a new Url (or inline Twiml): now, `at` a moment, `after_seconds`,
        or `when_leg_ends`. A scheduled one can be canceled until it is due."""
        return self.accept_change(services.request_redirect, RedirectSerializer)

    @extend_schema(responses={202: RedirectSerializer, 409: REFUSED_BY_STATE})
    @action(detail=True, methods=["post"])
    def hangup(self, request: Request, pk: str) -> Response:
        """Hang up the call whatever its state (`Status=completed`): now, `at` a moment,
        `after_seconds`, or `when_leg_ends`."""
        return self.accept_change(services.hang_up, RedirectSerializer)

    @extend_schema(responses={202: RedirectSerializer, 409: REFUSED_BY_STATE})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Cancel a call that is still queued or ringing (`Status=canceled`)."""
        return self.accept_change(services.cancel_call, RedirectSerializer)


class RedirectViewSet(ServiceErrorsMixin, viewsets.ReadOnlyModelViewSet):
    """Every request to change a live call, with its state and Twilio's answer."""

    queryset = Redirect.objects.select_related("call", "requested_by")
    serializer_class = RedirectSerializer
    permission_classes = [ActionPermission]
    action_permissions = by_action(VIEW_REDIRECTS, cancel=CONTROL_CALLS)
    filterset_class = RedirectFilter
    pagination_class = NewestFirst
    lookup_value_regex = "[0-9]+"

    @extend_schema(request=None, responses={200: RedirectSerializer, 409: REFUSED_BY_STATE})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Cancel a scheduled redirect before it is sent; any other state is a 409."""
        redirect = services.cancel_redirect(self.get_object(), requested_by=request.user)
        return Response(RedirectSerializer(redirect).data)
