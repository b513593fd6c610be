"""The supervisors' admin for calls and redirects.

Read only: rows change through `calls.services` alone, from actions and the
"Place a call" view, so every change obeys the rules and records who asked.
Built for tables with millions of calls: no exact count of a big result,
one query per changelist page.
"""

from contextlib import suppress

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from . import rules, services
from .admin_base import ReadOnlyInline, ServiceAdmin
from .exceptions import RuleViolation
from .exports import CsvExportAdminMixin
from .forms import ConfirmForm, PlaceCallForm, RedirectForm, ServiceForm
from .models import Call, CallEvent, Redirect, Source
from .permissions import PLACE_CALLS
from .serializers import CallSerializer

ACTION_FORM_TEMPLATE = "admin/calls/action_form.html"


class LegInline(ReadOnlyInline):
    model = Call
    fk_name = "parent"
    verbose_name = "leg"
    verbose_name_plural = "legs"
    fields = ["sid", "direction", "to_number", "status", "duration", "start_time", "end_time"]
    ordering = ["created_at", "id"]


class CallEventInline(ReadOnlyInline):
    model = CallEvent
    fields = ["received_at", "kind", "call_status", "sequence_number", "timestamp", "params"]
    show_change_link = False


# What a supervisor wants to see of a redirect, in its list and under its call.
REDIRECT_COLUMNS = ["state", "trigger", "due_at", "origin", "requested_by", "error_code"]


class RedirectInline(ReadOnlyInline):
    model = Redirect
    fields = ["created_at", "action", "url", *REDIRECT_COLUMNS, "error_message", "error_url"]
    readonly_fields = ["action"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Redirect]:
        # `call` too: each row's title is the redirect's `__str__`, which names its call.
        return super().get_queryset(request).select_related("call", "requested_by")

    @admin.display(description="action")
    def action(self, redirect: Redirect) -> str:
        return redirect.get_action_display()


@admin.register(Call)
class CallAdmin(CsvExportAdminMixin, ServiceAdmin):
    export_serializer = CallSerializer
    list_display = [
        "__str__",
        "direction",
        "from_number",
        "to_number",
        "status",
        "outcome",
        "source",
        "parent",
        "created_at",
    ]
    list_display_links = ["__str__"]
    list_filter = ["status", "direction", "outcome", "source"]
    list_select_related = ["parent"]
    # Exact lookups: each is served by its index (`=field` would be iexact, which is not).
    search_fields = ["sid__exact", "to_number__exact", "from_number__exact"]
    search_help_text = "A call SID (CA…) or a phone number in any format."
    date_hierarchy = "created_at"
    inlines = [LegInline, CallEventInline, RedirectInline]
    actions = ["hang_up", "redirect_to_url"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Call], search_term: str
    ) -> tuple[QuerySet[Call], bool]:
        """A number in any format ("(415) 555-1212") is matched as its E.164 form, which
        is what the record holds and what the indexes serve."""
        term = search_term.strip()
        if term and not term.upper().startswith("CA"):
            with suppress(RuleViolation):
                term = rules.phone_number(term, field="search")
        return super().get_search_results(request, queryset, f'"{term}"' if term else "")

    def get_urls(self) -> list[URLPattern]:
        place = path(
            "place/",
            self.admin_site.admin_view(self.place_call_view),
            name="calls_call_place",
        )
        return [place, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "can_place_calls": request.user.has_perm(PLACE_CALLS),
        }
        return super().changelist_view(request, extra_context)

    def place_call_view(self, request: HttpRequest) -> HttpResponse:
        """Place an outbound call through `services.place_call` (there is no "add")."""
        if not request.user.has_perm(PLACE_CALLS):
            raise PermissionDenied
        form = PlaceCallForm(request.POST or None)
        if form.is_valid():
            try:
                call = services.place_call(
                    **form.cleaned_data, source=Source.ADMIN, created_by=request.user
                )
            except RuleViolation as error:
                form.add_rule_violation(error)
            else:
                self.message_user(
                    request, f"Call to {call.to_number} placed; it is dialed now.", messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:calls_call_change", args=[call.pk]))
        return self.render_action_form(request, form, title="Place a call", submit="Place call")

    @admin.action(description="Hang up…", permissions=["control"])
    def hang_up(self, request: HttpRequest, queryset: QuerySet[Call]):
        """Asks first on an intermediate page listing the calls, then hangs each up."""
        if "apply" not in request.POST:
            return self.render_action_form(
                request,
                ConfirmForm(),
                title=_asking("Hang up", queryset),
                submit="Hang up",
                objects=queryset,
                action="hang_up",
            )
        self.run_service(
            request,
            queryset,
            services.hang_up,
            "Hang up requested",
            origin=Source.ADMIN,
            requested_by=request.user,
        )

    @admin.action(description="Redirect to URL…", permissions=["control"])
    def redirect_to_url(self, request: HttpRequest, queryset: QuerySet[Call]):
        """Asks for the new Url (or TwiML) on an intermediate page, then redirects each call."""
        form = RedirectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid() and self.run_service(
            request,
            queryset,
            services.request_redirect,
            "Redirect requested",
            form=form,
            **form.service_arguments(),
            origin=Source.ADMIN,
            requested_by=request.user,
        ):
            return None
        return self.render_action_form(
            request,
            form,
            title=_asking("Redirect", queryset),
            submit="Redirect",
            objects=queryset,
            action="redirect_to_url",
        )

    def render_action_form(
        self,
        request: HttpRequest,
        form: ServiceForm | ConfirmForm,
        *,
        title: str,
        submit: str,
        objects: QuerySet | None = None,
        action: str = "",
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "submit": submit,
            "form": form,
            "adminform": helpers.AdminForm(form, form.fieldsets, {}),
            "objects": objects,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, ACTION_FORM_TEMPLATE, context)


def _asking(verb: str, calls: QuerySet[Call]) -> str:
    """The question an action's intermediate page asks: "Hang up these 2 calls?"."""
    count = calls.count()
    return f"{verb} this call?" if count == 1 else f"{verb} these {count} calls?"


@admin.register(Redirect)
class RedirectAdmin(ServiceAdmin):
    list_display = ["__str__", *REDIRECT_COLUMNS, "created_at"]
    list_filter = ["state", "origin", "trigger"]
    list_select_related = ["call", "requested_by"]
    search_fields = ["call__sid__exact"]
    search_help_text = "The call's SID (CA…)."
    raw_id_fields = ["call"]
    date_hierarchy = "created_at"
    actions = ["cancel"]

    @admin.action(description="Cancel (scheduled only)", permissions=["control"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Redirect]) -> None:
        self.run_service(
            request, queryset, services.cancel_redirect, "Canceled", requested_by=request.user
        )
