"""The conversations REST API (`/api/v1/`): a call's conversation, the actions asked
of it, asking for one (202), and canceling a scheduled one.

An action needs its kind's permission (403 otherwise); a parameter the kind
refuses is a 400 naming it; a call with no live conversation, or an action no
longer scheduled, is a 409.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from calls.api import Conflict, NewestFirst
from calls.exceptions import RuleViolation
from calls.filters import call_reference
from calls.models import Call
from calls.permissions import ActionPermission, by_action

from . import selectors, services
from .models import ConversationAction, Origin
from .permissions import VIEW_ACTIONS, VIEW_CONFERENCES
from .registry import kind_named
from .serializers import (
    ActionRequestSerializer,
    ConversationActionSerializer,
    ConversationSerializer,
)

STATE_CODES = frozenset({"no_conversation", "not_scheduled", "absent"})


def answer_for(error: RuleViolation, body_fields: set[str]) -> APIException:
    """A refusal about what the client sent is a 400 on that field; one about the
    state of the call or the action (nothing to change, no longer scheduled), a 409."""
    if error.code not in STATE_CODES and error.field in body_fields:
        return ValidationError({error.field: [error.message]}, code=error.code)
    return Conflict({"detail": error.message, "code": error.code})


class CallConversationViewSet(viewsets.ViewSet):
    """`/calls/{id}/conversation/`: the call's live conversation, and its actions
    (`{id}` is the Twilio SID, CA…, or our own id)."""

    permission_classes = [ActionPermission]
    action_permissions = {
        "retrieve": VIEW_CONFERENCES,
        "actions": VIEW_ACTIONS,
    }

    def call(self) -> Call:
        return get_object_or_404(Call, call_reference(self.kwargs["id"]))

    @extend_schema(responses={200: ConversationSerializer, 404: None})
    def retrieve(self, request: Request, id: str) -> Response:
        """The call's conversation now (404 when it has none live)."""
        conference = selectors.live_conference(self.call())
        if conference is None:
            return Response({"detail": "No live conversation."}, status=404)
        return Response(ConversationSerializer(conference).data)

    @extend_schema(
        methods=["POST"],
        request=ActionRequestSerializer,
        responses={202: ConversationActionSerializer},
    )
    @extend_schema(methods=["GET"], responses={200: ConversationActionSerializer(many=True)})
    @action(detail=False, methods=["get", "post"])
    def actions(self, request: Request, id: str) -> Response:
        """GET: the actions asked of the call's conversations, newest first. POST: ask for one
        (`kind` plus its own fields; `at` or `after_seconds` to schedule it)."""
        target = self.call()
        if request.method == "GET":
            page = selectors.actions_of(target)[:200]
            return Response(ConversationActionSerializer(page, many=True).data)
        return self._ask(request, target)

    def _ask(self, request: Request, target: Call) -> Response:
        body = ActionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        asked = body.validated_data
        try:
            kind = kind_named(asked["kind"])
        except RuleViolation as unknown:
            raise answer_for(unknown, {"kind"}) from unknown
        if not kind.manual or not request.user.has_perm(kind.permission):
            raise PermissionDenied(f"You may not ask for {kind.label.lower()}.")
        params = body.kind_params()
        token = getattr(request.auth, "key", "") or ""
        try:
            created = services.action_request(
                target,
                kind.name,
                params,
                at=asked.get("at"),
                origin=Origin.API,
                requested_by=request.user,
                api_token=token,
                reason=asked["reason"],
            )
        except RuleViolation as refused:
            raise answer_for(refused, {*params, *kind.inputs, "at"}) from refused
        return Response(ConversationActionSerializer(created).data, status=status.HTTP_202_ACCEPTED)


class ConversationActionViewSet(viewsets.ReadOnlyModelViewSet):
    """`/conversation-actions/`: every action asked of a conversation, newest first;
    one of them; cancel it while it is scheduled."""

    queryset = ConversationAction.objects.select_related("requested_by")
    serializer_class = ConversationActionSerializer
    permission_classes = [ActionPermission]
    action_permissions = by_action(VIEW_ACTIONS, cancel=VIEW_ACTIONS)
    pagination_class = NewestFirst

    @extend_schema(request=None, responses={200: ConversationActionSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Withdraw a scheduled action (409 once it is due or done)."""
        scheduled = self.get_object()
        if not request.user.has_perm(kind_named(scheduled.kind).permission):
            raise PermissionDenied("You may not cancel this action.")
        try:
            canceled = services.action_cancel(scheduled, requested_by=request.user)
        except RuleViolation as refused:
            raise answer_for(refused, set()) from refused
        return Response(ConversationActionSerializer(canceled).data)
