"""The supervisors' admin for calls and redirects.

Read only: rows change through `calls.services` alone, from actions and the
"Place a call" view, so every change obeys the rules and records who asked.
Built for tables with millions of calls: no exact count of a big result,
one query per changelist page.
"""

import json
from collections.abc import Callable
from contextlib import suppress
from functools import cached_property

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections, models, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from . import rules, services
from .exceptions import RuleViolation
from .exports import CsvExportAdminMixin
from .forms import PlaceCallForm, RedirectForm, ServiceForm
from .models import Call, CallEvent, Redirect, Source
from .serializers import CallSerializer

ACTION_FORM_TEMPLATE = "admin/calls/action_form.html"


class EstimatedCountPaginator(Paginator):
    """On PostgreSQL an exact COUNT(*) of a big result reads all of it; for page
    links the planner's estimate is good enough: the table's row count when the
    list is unfiltered, the plan's row estimate when it is filtered. Results the
    planner puts below `exact_below` rows are counted exactly."""

    exact_below = 100_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql":
            estimate = self._estimate(queryset, connection)
            if estimate >= self.exact_below:
                return estimate
        return super().count

    @staticmethod
    def _estimate(queryset: QuerySet, connection) -> int:
        if queryset.query.where:
            plan = json.loads(queryset.explain(format="json"))
            return int(plan[0]["Plan"]["Plan Rows"])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                [connection.ops.quote_name(queryset.model._meta.db_table)],
            )
            row = cursor.fetchone()
        return row[0] if row else 0


class ReadOnly:
    """Nothing is added, changed or deleted by hand: only services write."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return list(self.fields)


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
    fields = ["created_at", "action", "url", *REDIRECT_COLUMNS, "error_message"]
    readonly_fields = ["action"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Redirect]:
        # `call` too: each row's title is the redirect's `__str__`, which names its call.
        return super().get_queryset(request).select_related("call", "requested_by")

    @admin.display(description="action")
    def action(self, redirect: Redirect) -> str:
        return redirect.get_action_display()


class ServiceAdmin(ReadOnly, admin.ModelAdmin):
    """Read-only pages; changes only through services, reported as messages."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def has_control_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("calls.control_call")

    def run_service(
        self,
        request: HttpRequest,
        objects: QuerySet,
        service: Callable[..., Redirect],
        verb: str,
        form: ServiceForm | None = None,
        **arguments: object,
    ) -> bool:
        """Apply `service` to each object and say how it went.

        An object the service refuses (a call that has ended, say) is reported
        and skipped; a refusal about the form's input instead puts the error on
        the form and undoes the whole batch, returning False.
        """
        done = 0
        refused: list[tuple[Model, RuleViolation]] = []
        try:
            with transaction.atomic():
                for obj in objects:
                    try:
                        service(obj, **arguments)
                    except RuleViolation as error:
                        if form is not None and form.field_for(error):
                            form.add_rule_violation(error)
                            raise
                        refused.append((obj, error))
                    else:
                        done += 1
        except RuleViolation:
            return False
        if done:
            name = self.opts.verbose_name if done == 1 else self.opts.verbose_name_plural
            self.message_user(request, f"{verb}: {done} {name}.", messages.SUCCESS)
        for obj, error in refused:
            self.message_user(request, f"{obj}: refused. {error.message}", messages.ERROR)
        return True


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
            "can_place_calls": request.user.has_perm("calls.place_call"),
        }
        return super().changelist_view(request, extra_context)

    def place_call_view(self, request: HttpRequest) -> HttpResponse:
        """Place an outbound call through `services.place_call` (there is no "add")."""
        if not request.user.has_perm("calls.place_call"):
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

    @admin.action(description="Hang up", permissions=["control"])
    def hang_up(self, request: HttpRequest, queryset: QuerySet[Call]) -> None:
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
            title="Redirect to URL",
            submit="Redirect",
            objects=queryset,
            action="redirect_to_url",
        )

    def render_action_form(
        self,
        request: HttpRequest,
        form: ServiceForm,
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
