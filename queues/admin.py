"""The supervisors' admin for queues, agents and surveys.

Queues, surveys and agents' settings are edited here as configuration; what
changes live calls or an agent's status (take off hold, send to survey, hang
up, sign in or out) goes through `queues.services` from admin actions, like
the API, so every change is a recorded `Redirect` with who asked.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from callcenter.formats import NOTHING, duration, moment
from calls.admin_base import ReadOnlyInline, ServiceAdmin
from calls.exceptions import RuleViolation
from calls.exports import CsvExportAdminMixin
from calls.models import Source
from calls.presenters import call_html, party_html, party_label, phone_number
from calls.urls_public import public_url

from . import figures, rules, selectors, services
from .models import (
    Agent,
    AgentStatus,
    EntryStatus,
    InboundNumber,
    Queue,
    QueueEntry,
    Survey,
    SurveyQuestion,
    SurveyResponse,
)
from .permissions import ADD_AGENTS, CHANGE_AGENTS, DELETE_AGENTS
from .serializers import SurveyResponseSerializer


def _rate(value: float | None) -> str:
    return NOTHING if value is None else f"{value:.0%}"


class InboundNumberInline(admin.TabularInline):
    model = InboundNumber
    extra = 0
    fields = ["phone_number", "label"]


class WaitingCallerInline(ReadOnlyInline):
    """The callers on hold, next to be served first, with how long they have waited."""

    model = QueueEntry
    verbose_name = "caller on hold"
    verbose_name_plural = "callers on hold"
    fields = ["caller", "enqueued_at", "waited", "position_at_enqueue", "offers"]
    readonly_fields = ["caller", "waited"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[QueueEntry]:
        return (
            super()
            .get_queryset(request)
            .filter(status=EntryStatus.WAITING)
            .select_related("call")
            .order_by("rank", "id")
        )

    @admin.display(description="caller")
    def caller(self, entry: QueueEntry) -> str:
        return party_label(entry.call.far_number)

    @admin.display(description="waited")
    def waited(self, entry: QueueEntry) -> str:
        return duration((timezone.now() - entry.enqueued_at).total_seconds())


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    # Addresses typed without a scheme are taken as https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "name",
        "waiting",
        "longest_wait",
        "agents_available",
        "auto_distribute",
        "survey",
    ]
    list_select_related = ["survey"]
    search_fields = ["name"]
    inlines = [InboundNumberInline, WaitingCallerInline]
    readonly_fields = ["webhook_urls", "today"]
    fieldsets = [
        (None, {"fields": ["name", "greeting", "hold_music_url", "hold_loop", "survey"]}),
        ("Recording", {"fields": ["recording_policy"]}),
        (
            "Overflow",
            {
                "fields": [
                    "max_wait_seconds",
                    "overflow_action",
                    "overflow_message",
                    "voicemail_url",
                    "overflow_queue",
                ]
            },
        ),
        (
            "Opening hours",
            {"fields": ["opens_at", "closes_at", "open_weekdays", "closed_message"]},
        ),
        ("Service", {"fields": ["service_level_seconds", "auto_distribute", "today"]}),
        ("Twilio number settings", {"fields": ["webhook_urls"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Queue]:
        return selectors.with_live_figures(super().get_queryset(request))

    @admin.display(description="waiting", ordering="waiting_count")
    def waiting(self, queue: Queue) -> int:
        return queue.waiting_count

    @admin.display(description="longest wait", ordering="oldest_waiting_since")
    def longest_wait(self, queue: Queue) -> str:
        return duration(selectors.longest_wait_seconds(queue)) if queue.waiting_count else NOTHING

    @admin.display(description="agents available", ordering="agents_available")
    def agents_available(self, queue: Queue) -> int:
        return queue.agents_available

    @admin.display(description="Voice URL and status callback of this queue's numbers")
    def webhook_urls(self, queue: Queue) -> str:
        return format_html(
            "A call comes in: <code>{}</code> (POST)<br>"
            "Call status changes: <code>{}</code> (POST)",
            public_url("queues:voice"),
            public_url("calls-webhooks:status"),
        )

    @admin.display(description="today")
    def today(self, queue: Queue) -> str:
        if queue.pk is None:
            return NOTHING
        day = timezone.localdate()
        rows = figures.daily_figures(queue, day, day)
        if not rows:
            return "No wait has ended today."
        waits, ratings = rows[0].waits, rows[0].ratings
        return format_html_join(
            " · ",
            "{}: {}",
            [
                ("callers", waits.callers),
                ("average speed of answer", duration(waits.average_speed_of_answer)),
                ("abandoned", _rate(waits.abandonment_rate)),
                ("ended by a supervisor", waits.ended_by_supervisor),
                ("transferred", waits.transferred),
                (f"answered within {queue.service_level_seconds} s", _rate(waits.service_level)),
                ("survey average", ratings.average or NOTHING),
            ],
        )


@admin.register(InboundNumber)
class InboundNumberAdmin(admin.ModelAdmin):
    """Our numbers and the queue each one's callers wait in (also edited on the queue's page)."""

    list_display = ["number", "label", "queue"]
    list_display_links = ["number"]
    list_filter = ["queue"]
    list_select_related = ["queue"]
    search_fields = ["phone_number", "label"]

    @admin.display(description="number", ordering="phone_number")
    def number(self, inbound: InboundNumber) -> str:
        return phone_number(inbound.phone_number)


class AgentForm(forms.ModelForm):
    class Meta:
        model = Agent
        fields = ["name", "endpoint_kind", "endpoint", "wrap_up_seconds", "ring_timeout", "queues"]

    def clean(self) -> dict:
        data = super().clean()
        if "endpoint_kind" in data and "endpoint" in data:
            try:
                data["endpoint"] = rules.agent_endpoint(data["endpoint_kind"], data["endpoint"])
            except RuleViolation as refused:
                raise ValidationError({"endpoint": refused.message}) from refused
        return data


@admin.register(Agent)
class AgentAdmin(ServiceAdmin):
    """Agents' settings are edited here; their status moves with their calls, or
    with the sign-in and sign-out actions."""

    form = AgentForm
    list_display = ["name", "status", "since", "reached_at"]
    list_filter = ["status", "queues", "endpoint_kind"]
    search_fields = ["name", "endpoint"]
    filter_horizontal = ["queues"]
    readonly_fields = ["status", "status_changed_at", "idle_since"]
    actions = ["sign_in", "sign_out"]

    @admin.display(description="since", ordering="status_changed_at")
    def since(self, agent: Agent) -> str:
        return moment(agent.status_changed_at)

    @admin.display(description="reached at", ordering="endpoint")
    def reached_at(self, agent: Agent) -> str:
        return format_html(
            '{} <span class="party-number">{}</span>',
            phone_number(agent.endpoint),
            agent.get_endpoint_kind_display(),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ADD_AGENTS)

    def has_change_permission(self, request: HttpRequest, obj: Agent | None = None) -> bool:
        return request.user.has_perm(CHANGE_AGENTS)

    def has_delete_permission(self, request: HttpRequest, obj: Agent | None = None) -> bool:
        return request.user.has_perm(DELETE_AGENTS)

    @admin.action(description="Sign in (available)", permissions=["change"])
    def sign_in(self, request: HttpRequest, agents: QuerySet[Agent]) -> None:
        self.run_service(
            request, agents, services.set_agent_status, "Signed in", status=AgentStatus.AVAILABLE
        )

    @admin.action(description="Sign out (offline)", permissions=["change"])
    def sign_out(self, request: HttpRequest, agents: QuerySet[Agent]) -> None:
        self.run_service(
            request, agents, services.set_agent_status, "Signed out", status=AgentStatus.OFFLINE
        )


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, agent: Agent) -> str:
        return f"{agent} ({agent.get_status_display().lower()})"


class EntryActionForm(ActionForm):
    """The action bar with the agent to take a caller to (empty: the longest idle).

    Every agent is listed with their status; one who is not available is
    refused by the service with a message that says why.
    """

    agent = AgentChoiceField(
        Agent.objects.order_by("name"), required=False, empty_label="next available agent"
    )


@admin.register(QueueEntry)
class QueueEntryAdmin(ServiceAdmin):
    action_form = EntryActionForm
    call_field = "call"
    list_display = ["enqueued", "caller", "queue", "status", "outcome", "wait", "agent", "offers"]
    list_display_links = ["enqueued"]
    list_filter = ["status", "outcome", "queue", "agent"]
    list_select_related = ["call", "queue", "agent"]
    search_fields = ["=call__sid", "=call__from_number"]
    date_hierarchy = "enqueued_at"
    actions = ["take_off_hold", "send_to_survey", "hang_up_politely"]

    @admin.display(description="on hold since", ordering="enqueued_at")
    def enqueued(self, entry: QueueEntry) -> str:
        return moment(entry.enqueued_at)

    @admin.display(description="caller", ordering="call__from_number")
    def caller(self, entry: QueueEntry) -> str:
        return party_html(entry.call.far_number, entry.call.far_name)

    @admin.display(description="wait")
    def wait(self, entry: QueueEntry) -> str:
        until = entry.answered_at or entry.dequeued_at or timezone.now()
        return duration((until - entry.enqueued_at).total_seconds())

    @admin.action(description="Take off hold (to the agent chosen beside)", permissions=["control"])
    def take_off_hold(self, request: HttpRequest, entries: QuerySet[QueueEntry]) -> None:
        try:
            agent = self.action_form.base_fields["agent"].clean(request.POST.get("agent"))
        except ValidationError as refused:
            self.message_user(request, f"Agent: {' '.join(refused.messages)}", messages.ERROR)
            return
        self._act(request, entries, services.take_off_hold, "Taken off hold", agent=agent)

    @admin.action(description="Send to the survey", permissions=["control"])
    def send_to_survey(self, request: HttpRequest, entries: QuerySet[QueueEntry]) -> None:
        self._act(request, entries, services.send_to_survey, "Sent to the survey")

    @admin.action(description="Hang up politely (goodbye)", permissions=["control"])
    def hang_up_politely(self, request: HttpRequest, entries: QuerySet[QueueEntry]) -> None:
        self._act(request, entries, services.hang_up_politely, "Hang up politely requested")

    def _act(self, request: HttpRequest, entries, service, verb: str, **arguments) -> None:
        self.run_service(
            request,
            entries,
            service,
            verb,
            origin=Source.ADMIN,
            requested_by=request.user,
            **arguments,
        )


class SurveyQuestionFormSet(BaseInlineFormSet):
    """Django's "Please correct the duplicate data for position" in plain words."""

    def get_unique_error_message(self, unique_check) -> str:
        return "Two questions have the same position: give each question its own."

    def get_form_error(self) -> str:
        return "Another question has this position."


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    formset = SurveyQuestionFormSet
    extra = 1
    fields = ["position", "kind", "prompt", "num_digits"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "questions_count", "start_url"]
    search_fields = ["name"]
    inlines = [SurveyQuestionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Survey]:
        return super().get_queryset(request).annotate(questions_total=Count("questions"))

    @admin.display(description="questions", ordering="questions_total")
    def questions_count(self, survey: Survey) -> int:
        return survey.questions_total

    @admin.display(description="URL to redirect a call to")
    def start_url(self, survey: Survey) -> str:
        url = public_url("queues:survey-start", survey_id=survey.pk)
        return format_html("<code>{}</code>", url)


@admin.register(SurveyResponse)
class SurveyResponseAdmin(CsvExportAdminMixin, ServiceAdmin):
    export_serializer = SurveyResponseSerializer
    call_field = "call"
    list_display = ["answered", "of_call", "prompt", "answer", "agent", "queue"]
    list_display_links = ["answered"]
    list_filter = ["survey", "question", "agent", "queue", "score"]
    list_select_related = ["call", "question", "agent", "queue"]
    search_fields = ["=call__sid"]
    date_hierarchy = "created_at"

    @admin.display(description="answered", ordering="created_at")
    def answered(self, response: SurveyResponse) -> str:
        return moment(response.created_at)

    @admin.display(description="call")
    def of_call(self, response: SurveyResponse) -> str:
        return call_html(response.call)

    @admin.display(description="question", ordering="question__position")
    def prompt(self, response: SurveyResponse) -> str:
        return response.question.prompt

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        """The mean rating per agent and per queue of what the filters select, above the list."""
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            responses = changelist.queryset
            response.context_data["averages"] = {
                by: figures.survey_averages(responses, by) for by in ("agent", "queue")
            }
        return response
