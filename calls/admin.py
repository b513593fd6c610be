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
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from callcenter import formats

from . import presenters, rules, services
from .admin_base import ReadOnlyInline, ServiceAdmin
from .exceptions import RuleViolation
from .exports import CsvExportAdminMixin
from .forms import ConfirmForm, PlaceCallForm, RedirectForm, ServiceForm
from .models import Call, CallEvent, Direction, Redirect, Source
from .permissions import PLACE_CALLS
from .serializers import CallSerializer

ACTION_FORM_TEMPLATE = "admin/calls/action_form.html"
# A list's direction column, in a word.
SHORT_DIRECTIONS = {
    Direction.INBOUND: "Inbound",
    Direction.OUTBOUND_API: "Outbound",
    Direction.OUTBOUND_DIAL: "Leg",
}


class NamedLegsFormSet(BaseInlineFormSet):
    """A call's legs, named by whom they rang (the presenters' one query per provider)."""

    def get_queryset(self) -> QuerySet[Call]:
        legs = super().get_queryset()
        presenters.attach_context(legs)  # fills the queryset's cache: the forms get these
        return legs


class LegInline(ReadOnlyInline):
    model = Call
    fk_name = "parent"
    formset = NamedLegsFormSet
    verbose_name = "leg"
    verbose_name_plural = "legs"
    fields = ["dialed", "status", "call_duration", "start_time", "end_time"]
    ordering = ["created_at", "id"]

    @admin.display(description="dialed")
    def dialed(self, leg: Call) -> str:
        return presenters.callee_label(leg)

    @admin.display(description="duration")
    def call_duration(self, leg: Call) -> str:
        return formats.duration(leg.duration)


class CallEventInline(ReadOnlyInline):
    model = CallEvent
    fields = ["received_at", "kind", "call_status", "sequence_number", "timestamp", "parameters"]
    show_change_link = False

    @admin.display(description="parameters")
    def parameters(self, event: CallEvent) -> str:
        return presenters.disclosed_parameters(event.params)


# What a supervisor wants to see of a redirect, in its list and under its call.
REDIRECT_COLUMNS = ["requested", "action", "state", "trigger", "due", "origin", "requested_by"]


class RedirectColumns:
    """A redirect's moments and action in words, for its list and its call's page."""

    @admin.display(description="requested", ordering="created_at")
    def requested(self, redirect: Redirect) -> str:
        return formats.moment(redirect.created_at)

    @admin.display(description="due", ordering="due_at")
    def due(self, redirect: Redirect) -> str:
        return formats.moment(redirect.due_at)

    @admin.display(description="action")
    def action(self, redirect: Redirect) -> str:
        return redirect.get_action_display()


class RedirectInline(RedirectColumns, ReadOnlyInline):
    model = Redirect
    fields = [*REDIRECT_COLUMNS, "url", "error_code", "error_message", "error_url"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Redirect]:
        # `call` too: each row's title is the redirect's `__str__`, which names its call.
        return super().get_queryset(request).select_related("call", "requested_by")


# On a call's page, under its header and timeline: every field, grouped.
CALL_FIELDSETS = [
    (
        None,
        {
            "fields": [
                "sid_to_copy",
                "parent",
                "direction",
                "caller",
                "callee",
                "source",
                "created_by",
            ]
        },
    ),
    (
        "Result",
        {
            "fields": [
                "status",
                "answered_by",
                "outcome",
                "start_time",
                "end_time",
                "call_duration",
                "price",
                "price_unit",
                "error_code",
                "error_message",
                "error_url",
            ]
        },
    ),
    (
        "What was asked",
        {
            "classes": ["collapse"],
            "fields": [
                "url",
                "twiml",
                "method",
                "fallback_url",
                "fallback_method",
                "if_machine",
                "async_amd",
                "send_digits",
                "timeout",
                "time_limit",
                "idempotency_key",
            ],
        },
    ),
    (
        "Bookkeeping",
        {
            "classes": ["collapse"],
            "fields": [
                "account_sid",
                "parent_sid",
                "dispatch_attempts",
                "created_at",
                "dispatched_at",
                "answered_at",
                "last_event_at",
                "updated_at",
            ],
        },
    ),
]


@admin.register(Call)
class CallAdmin(CsvExportAdminMixin, ServiceAdmin):
    export_serializer = CallSerializer
    list_display = [
        "when",
        "way",
        "caller",
        "callee",
        "status",
        "outcome",
        "call_duration",
        "handled_by",
    ]
    list_display_links = ["when"]
    list_filter = ["status", "direction", "outcome", "source"]
    # Exact lookups: each is served by its index (`=field` would be iexact, which is not).
    search_fields = ["sid__exact", "to_number__exact", "from_number__exact"]
    search_help_text = "A call SID (CA…) or a phone number in any format."
    date_hierarchy = "created_at"
    fieldsets = CALL_FIELDSETS
    readonly_fields = ["sid_to_copy", "caller", "callee", "call_duration"]
    inlines = [LegInline, CallEventInline, RedirectInline]
    actions = ["hang_up", "redirect_to_url"]

    def render_change_form(self, request: HttpRequest, context: dict, *args, obj=None, **kwargs):
        """The page is titled by the call's parties and time ("View call" says nothing)."""
        if obj is not None:
            context.update(title=f"Call {obj}", subtitle=None)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    @admin.display(description="when", ordering="created_at")
    def when(self, call: Call) -> str:
        return formats.moment(call.created_at)

    @admin.display(description="direction", ordering="direction")
    def way(self, call: Call) -> str:
        return SHORT_DIRECTIONS[call.direction]

    @admin.display(description="from", ordering="from_number")
    def caller(self, call: Call) -> str:
        return presenters.party_html(call.from_number, call.context.from_name)

    @admin.display(description="to", ordering="to_number")
    def callee(self, call: Call) -> str:
        return presenters.party_html(call.to_number, call.context.to_name)

    @admin.display(description="duration", ordering="duration")
    def call_duration(self, call: Call) -> str:
        return formats.duration(call.duration)

    @admin.display(description="agent / queue / campaign")
    def handled_by(self, call: Call) -> str:
        return presenters.handled_html(call)

    @admin.display(description="Call SID")
    def sid_to_copy(self, call: Call) -> str:
        return presenters.copyable(call.sid) if call.sid else "—"

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
                    request,
                    f"Call to {presenters.callee_label(call)} placed; it is dialed now.",
                    messages.SUCCESS,
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
        objects: QuerySet[Call] | None = None,
        action: str = "",
    ) -> TemplateResponse:
        if objects is not None:  # named by their parties on the page
            objects = list(objects)
            presenters.attach_context(objects)
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
class RedirectAdmin(RedirectColumns, ServiceAdmin):
    call_field = "call"
    list_display = [*REDIRECT_COLUMNS[:2], "of_call", *REDIRECT_COLUMNS[2:], "error_code"]
    list_display_links = ["requested"]
    list_filter = ["state", "origin", "trigger"]
    list_select_related = ["call", "requested_by"]
    search_fields = ["call__sid__exact"]
    search_help_text = "The call's SID (CA…)."
    raw_id_fields = ["call"]
    date_hierarchy = "created_at"
    actions = ["cancel"]

    @admin.display(description="call")
    def of_call(self, redirect: Redirect) -> str:
        return presenters.call_html(redirect.call)

    @admin.action(description="Cancel (scheduled only)", permissions=["control"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Redirect]) -> None:
        self.run_service(
            request, queryset, services.cancel_redirect, "Canceled", requested_by=request.user
        )
