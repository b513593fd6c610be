"""Conferences, their participants and callbacks, and the actions asked of them.

Read only, like every record Twilio's callbacks and the services write; the
one change made here is asking for an action, from the buttons of a call's
conversation (on the live board and the call's page), gated by the kind's
permission.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from calls.admin_base import ReadOnlyAdmin, ReadOnlyInline
from calls.exceptions import RuleViolation
from calls.models import Call

from . import services
from .forms import ConversationActionForm
from .models import Conference, ConferenceEvent, ConversationAction, Participant
from .registry import kind_named

ACTION_COLUMNS = ["kind", "state", "due_at", "origin", "requested_by", "error_code"]


class ParticipantInline(ReadOnlyInline):
    model = Participant
    fields = [
        "role",
        "label",
        "call_sid",
        "agent",
        "joined_at",
        "left_at",
        "on_hold",
        "muted",
        "coaching",
    ]
    show_change_link = False


class ConferenceEventInline(ReadOnlyInline):
    model = ConferenceEvent
    fields = ["sequence_number", "event", "call_sid", "timestamp", "received_at"]
    show_change_link = False


class ActionInline(ReadOnlyInline):
    model = ConversationAction
    fields = ["created_at", *ACTION_COLUMNS, "params", "error_message"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConversationAction]:
        return super().get_queryset(request).select_related("conference", "requested_by")


@admin.register(Conference)
class ConferenceAdmin(ReadOnlyAdmin):
    list_display = ["friendly_name", "sid", "call", "status", "started_at", "ended_at"]
    list_filter = ["status"]
    list_select_related = ["call"]
    search_fields = ["friendly_name", "=sid", "=call__sid"]
    inlines = [ParticipantInline, ActionInline, ConferenceEventInline]

    def get_urls(self) -> list[URLPattern]:
        """The buttons of a call's conversation (board and call page) post here."""
        action = path(
            "calls/<int:call_id>/actions/<slug:kind>/",
            self.admin_site.admin_view(conversation_action),
            name="conversations_call_action",
        )
        return [action, *super().get_urls()]


@admin.register(ConversationAction)
class ConversationActionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "created_at", *ACTION_COLUMNS, "api_token"]
    list_filter = ["kind", "state", "origin"]
    list_select_related = ["conference", "requested_by"]


def conversation_action(request: HttpRequest, call_id: int, kind: str) -> HttpResponse:
    """Ask for one action on the call's live conversation; 403 without the kind's
    permission, whatever was posted; a refusal comes back as an error message."""
    try:
        action_kind = kind_named(kind)
    except RuleViolation:
        raise Http404("No such action.") from None
    if not action_kind.manual or not request.user.has_perm(action_kind.permission):
        raise PermissionDenied(f"You may not ask for {action_kind.label.lower()}.")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    call = get_object_or_404(Call, pk=call_id)
    form = ConversationActionForm(request.POST)
    if not form.is_valid():
        problems = " ".join(
            _on_field(form, name, str(e)) for name, errors in form.errors.items() for e in errors
        )
        messages.error(request, f"{action_kind.label}: {problems}")
        return redirect(_back(request, call))
    try:
        action = services.action_request(
            call,
            action_kind.name,
            form.params_for(action_kind),
            at=form.at(),
            origin=form.cleaned_data["screen"],
            requested_by=request.user,
        )
    except RuleViolation as refused:
        why = _on_field(form, refused.field, refused.message)
        messages.error(request, f"{action_kind.label}: refused. {why}")
    else:
        when = f" at {action.due_at:%H:%M:%S}" if action.due_at else ""
        messages.info(request, f"{action_kind.label}: asked{when}.")
    return redirect(_back(request, call))


def _on_field(form: ConversationActionForm, name: str | None, message: str) -> str:
    """The message under the name of the form's field at fault ("Agent: …"), as the API
    puts it on the field; one about no field of the form (the call) as it is."""
    return f"{form[name].label}: {message}" if name in form.fields else message


def _back(request: HttpRequest, call: Call) -> str:
    """Where the button was pressed (board or call page), if it is one of ours."""
    wanted = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("admin:calls_call_change", args=[call.pk])
