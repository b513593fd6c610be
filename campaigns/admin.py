"""Campaigns in the admin: edit, start/pause/resume/cancel, import contacts and the
do-not-call list, and watch progress. Every change goes through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from callcenter.formats import NOTHING, moment
from calls.admin_base import ReadOnlyAdmin
from calls.exceptions import RuleViolation
from calls.exports import CsvExportAdminMixin
from calls.presenters import party_html, phone_number

from .admin_attempts import attempts_table, contacts_section
from .admin_runs import RUNS, may_run, run_and_report, runs_for
from .admin_status import campaign_status
from .forms import CampaignForm, CsvUploadForm, DncUploadForm, DoNotCallForm
from .models import Campaign, Contact, ContactState, CsvImport, DoNotCall, ImportKind
from .permissions import VIEW_CAMPAIGNS, VIEW_DO_NOT_CALL
from .selectors import campaign_dialing, campaign_progress
from .serializers import ContactSerializer
from .services import dnc, imports, lifecycle

PROGRESS_BAR = '<progress value="{}" max="100" style="width:8em" title="{}% done"></progress> {}%'


def progress_bar(campaign: Campaign) -> str:
    return percent_bar(campaign_progress(campaign).percent_done)


def percent_bar(done: float) -> str:
    return format_html(PROGRESS_BAR, done, done, done)


def unbroken(text: str) -> str:
    """A phone number kept on one line in a narrow column."""
    return format_html('<span class="nowrap">{}</span>', text)


@admin.display(description="created", ordering="created_at")
def created(row: models.Model) -> str:
    return moment(row.created_at)


@admin.display(description="started at")
def started(row: models.Model) -> str:
    return moment(row.started_at)


@admin.display(description="finished at")
def finished(row: models.Model) -> str:
    return moment(row.finished_at)


def import_queued(model_admin: admin.ModelAdmin, request: HttpRequest, job: CsvImport):
    """After an upload: to the import's page, which shows its progress."""
    model_admin.message_user(
        request,
        f"{job.rows} rows of {job.file_name or 'the file'} are being imported in the "
        "background; this page shows how far it has got (reload it).",
        messages.SUCCESS,
    )
    return HttpResponseRedirect(reverse("admin:campaigns_csvimport_change", args=[job.pk]))


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    # Addresses typed without a scheme are taken as https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    form = CampaignForm
    list_display = ["name", "state", "progress", "now", "caller", created]
    list_filter = ["state", "content_kind", "if_machine"]
    search_fields = ["name"]
    readonly_fields = [started, finished]
    actions = ["start", "pause", "resume", "cancel"]
    fieldsets = [
        # The state is in the live panel above the form, which keeps it current.
        ("Campaign", {"fields": ["name", "caller_id", (started, finished)]}),
        (
            "What the callee gets",
            {
                "fields": [
                    "content_kind",
                    "message",
                    "message_audio_url",
                    "survey",
                    "queue",
                    "answer_url",
                    "answer_method",
                    "twiml",
                ]
            },
        ),
        (
            "Machines, keys and limits",
            {
                "fields": [
                    "if_machine",
                    "voicemail_message",
                    "voicemail_audio_url",
                    "send_digits",
                    "timeout",
                    "time_limit",
                ]
            },
        ),
        ("Recording", {"fields": ["recording_policy"]}),
        ("Pacing", {"fields": ["calls_per_second", "max_concurrent_calls"]}),
        (
            "When",
            {
                "fields": [
                    "time_zone",
                    "window_days",
                    ("window_start", "window_end"),
                    ("starts_at", "ends_at"),
                ]
            },
        ),
        (
            "Retries (total attempts after each outcome, and the wait in seconds)",
            {
                "fields": [
                    ("busy_max_attempts", "busy_retry_delay"),
                    ("no_answer_max_attempts", "no_answer_retry_delay"),
                    ("failed_max_attempts", "failed_retry_delay"),
                    ("machine_max_attempts", "machine_retry_delay"),
                ]
            },
        ),
    ]

    @admin.display(description="progress")
    def progress(self, campaign: Campaign) -> str:
        return progress_bar(campaign)

    @admin.display(description="now")
    def now(self, campaign: Campaign) -> str:
        reason = campaign_dialing(campaign).not_dialing
        return f"Not dialing: {reason.message}" if reason else "Dialing"

    @admin.display(description="caller ID", ordering="caller_id")
    def caller(self, campaign: Campaign) -> str:
        return unbroken(phone_number(campaign.caller_id))

    def has_delete_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.state == "draft")

    def has_change_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        """A completed or canceled campaign is shown read-only: its settings are final."""
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.state not in lifecycle.FINAL_STATES)

    def save_model(self, request: HttpRequest, obj: Campaign, form: CampaignForm, change: bool):
        fields = form.campaign_fields()
        if change:
            saved = lifecycle.update_campaign(obj.pk, **fields)
        else:
            saved = lifecycle.create_campaign(created_by=request.user, **fields)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Campaign) -> None:
        lifecycle.delete_campaign(obj.pk)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A service refusing the save (the campaign ended while the form was open…)
        is shown as an error on the page again, never a traceback; the admin's
        transaction is rolled back, so nothing was saved."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RuleViolation as error:
            self.message_user(request, f"Not saved: {error.message}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The settings under a live panel (state, progress, outcomes, why it is
        not dialing, and the buttons that move it), then its contacts' attempts."""
        campaign = get_object_or_404(Campaign, pk=object_id)
        extra = {
            "status": campaign_status(campaign),
            "status_url": reverse("admin:campaigns_campaign_status", args=[campaign.pk]),
            "runs": self._buttons(request, campaign) if may_run(request) else [],
            "contacts_section": self._contacts_section(request, campaign),
            "upload_url": reverse("admin:campaigns_campaign_upload", args=[campaign.pk]),
            "contacts_url": reverse("admin:campaigns_contact_changelist")
            + f"?campaign__id__exact={campaign.pk}",
        }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _buttons(self, request: HttpRequest, campaign: Campaign) -> list[dict]:
        """Every move, each marked whether the campaign's state allows it now (the
        page's script shows and hides them as the state changes)."""
        valid = runs_for(campaign.state)
        return [
            {
                "run": run,
                "url": reverse("admin:campaigns_campaign_run", args=[campaign.pk, run.action]),
                "valid": run.action in valid,
            }
            for run in RUNS.values()
        ]

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:campaign_id>/upload/",
                self.admin_site.admin_view(self.upload_view),
                name="campaigns_campaign_upload",
            ),
            path(
                "<int:campaign_id>/status/",
                self.admin_site.admin_view(self.status_view),
                name="campaigns_campaign_status",
            ),
            path(
                "<int:campaign_id>/run/<str:action>/",
                self.admin_site.admin_view(self.run_view),
                name="campaigns_campaign_run",
            ),
        ]
        return [*own, *super().get_urls()]

    def status_view(self, request: HttpRequest, campaign_id: int) -> JsonResponse:
        """The page's live panel as JSON, fetched by its script every few seconds."""
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied("Seeing campaigns needs the right to view them.")
        status = campaign_status(campaign)
        return JsonResponse({**status, "contacts_html": self._contacts_section(request, campaign)})

    def _contacts_section(self, request: HttpRequest, campaign: Campaign) -> str:
        may_import = self.has_change_permission(request, campaign)
        return contacts_section(request, campaign, may_import=may_import)

    def run_view(self, request: HttpRequest, campaign_id: int, action: str) -> HttpResponse:
        """A button of the campaign page: POST runs the move; GET asks first (cancel)."""
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        if action not in RUNS:
            raise Http404(f"No such move: {action}.")
        if not may_run(request):
            raise PermissionDenied(
                "Starting, pausing, resuming and canceling campaigns is for Supervisors."
            )
        page = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
        if request.method == "POST":
            run_and_report(self, request, campaign, action)
            return HttpResponseRedirect(page)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": campaign,
            "title": f"{RUNS[action].label} “{campaign}”?",
            "run": RUNS[action],
            "status": campaign_status(campaign),
            "page_url": page,
        }
        return TemplateResponse(request, "admin/campaigns/campaign/run_confirmation.html", context)

    def upload_view(self, request: HttpRequest, campaign_id: int) -> HttpResponse:
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        if not self.has_change_permission(request, campaign):
            raise PermissionDenied("Importing contacts needs the right to change campaigns.")
        form = CsvUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST":
            job = form.queued(
                lambda name, text: imports.upload_contacts(
                    campaign.pk, text, file_name=name, created_by=request.user
                )
            )
            if job is not None:
                return import_queued(self, request, job)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": campaign,
            "title": f"Import contacts into {campaign}",
            "form": form,
        }
        return TemplateResponse(request, "admin/campaigns/campaign/upload.html", context)

    def has_run_permission(self, request: HttpRequest) -> bool:
        """Who sees (and may use) start, pause, resume and cancel."""
        return may_run(request)

    def _run(self, request: HttpRequest, queryset: QuerySet[Campaign], action: str) -> None:
        for campaign in queryset:
            run_and_report(self, request, campaign, action)

    @admin.action(description="Start the selected campaigns", permissions=["run"])
    def start(self, request, queryset):
        self._run(request, queryset, "start")

    @admin.action(description="Pause the selected campaigns (no new dials)", permissions=["run"])
    def pause(self, request, queryset):
        self._run(request, queryset, "pause")

    @admin.action(description="Resume the selected campaigns", permissions=["run"])
    def resume(self, request, queryset):
        self._run(request, queryset, "resume")

    @admin.action(description="Cancel the selected campaigns", permissions=["run"])
    def cancel(self, request, queryset):
        self._run(request, queryset, "cancel")


@admin.register(Contact)
class ContactAdmin(CsvExportAdminMixin, ReadOnlyAdmin):
    """Read only: contacts come from imports and change through the dialer."""

    export_serializer = ContactSerializer
    export_prefetch = ("attempt_set__call",)

    list_display = ["contact", "campaign_name", "state", "outcome", "attempts", "next_attempt"]
    list_filter = ["state", "outcome", "campaign"]
    search_fields = ["phone_number"]
    list_select_related = ["campaign"]
    fields = [
        "person",
        "number",
        "campaign",
        "time_zone",
        "variables",
        "send_digits",
        "state",
        "outcome",
        "attempts",
        "next_attempt",
        "attempt_history",
    ]
    readonly_fields = fields

    @admin.display(description="contact", ordering="id")
    def contact(self, contact: Contact) -> str:
        return party_html(contact.phone_number, contact.name)

    @admin.display(description="campaign", ordering="campaign__name")
    def campaign_name(self, contact: Contact) -> str:
        """As text that wraps (Django keeps a foreign key's column on one line)."""
        return contact.campaign.name

    @admin.display(description="name")
    def person(self, contact: Contact) -> str:
        return contact.name or NOTHING

    @admin.display(description="phone number", ordering="phone_number")
    def number(self, contact: Contact) -> str:
        return phone_number(contact.phone_number)

    @admin.display(description="next attempt", ordering="next_attempt_at")
    def next_attempt(self, contact: Contact) -> str:
        """None once the contact is done (the last due time is kept, not shown)."""
        if contact.state == ContactState.DONE:
            return NOTHING
        return moment(contact.next_attempt_at)

    @admin.display(description="attempt history")
    def attempt_history(self, contact: Contact) -> str:
        return attempts_table(contact)


@admin.register(DoNotCall)
class DoNotCallAdmin(admin.ModelAdmin):
    list_display = ["value", "is_prefix", "reason", created]
    list_filter = ["is_prefix"]
    search_fields = ["value", "reason"]
    form = DoNotCallForm
    change_list_template = "admin/campaigns/donotcall/change_list.html"

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: DoNotCall, form, change: bool) -> None:
        saved = dnc.add_entry(
            obj.value, is_prefix=obj.is_prefix, reason=obj.reason, created_by=request.user
        )
        obj.pk = saved.pk

    def get_urls(self) -> list[URLPattern]:
        upload = path(
            "upload/",
            self.admin_site.admin_view(self.upload_view),
            name="campaigns_donotcall_upload",
        )
        return [upload, *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied("Importing needs the right to add to the do-not-call list.")
        form = DncUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST":
            job = form.queued(
                lambda name, text: imports.upload_do_not_call(
                    text, file_name=name, created_by=request.user
                )
            )
            if job is not None:
                return import_queued(self, request, job)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import do-not-call entries",
            "form": form,
        }
        return TemplateResponse(request, "admin/campaigns/campaign/upload.html", context)


@admin.register(CsvImport)
class CsvImportAdmin(ReadOnlyAdmin):
    """Uploaded files and how far their import has got; read only (uploads are
    made from a campaign's page or the do-not-call list)."""

    list_display = [
        "__str__",
        "campaign",
        "state",
        "progress",
        "imported",
        "rejected_rows",
        created,
    ]
    list_filter = ["state", "kind"]
    list_select_related = ["campaign"]
    fields = [
        "kind",
        "campaign",
        "file_name",
        "state",
        "progress",
        "rows",
        "processed",
        "imported",
        "already_listed",
        "error",
        "rejected_table",
        "created_by",
        created,
        finished,
    ]
    readonly_fields = fields

    @admin.display(description="progress")
    def progress(self, job: CsvImport) -> str:
        return percent_bar(job.percent_done)

    @admin.display(description="rejected")
    def rejected_rows(self, job: CsvImport) -> int:
        return len(job.rejected)

    @admin.display(description="rejected rows")
    def rejected_table(self, job: CsvImport) -> str:
        if not job.rejected:
            return NOTHING
        return format_html(
            "<table><tr><th>Line</th><th>Value</th><th>Reason</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (row["line"], row.get("phone_number", row.get("value", "")), row["reason"])
                    for row in job.rejected
                ),
            ),
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[CsvImport]:
        """Each kind to those who may see what it imports into."""
        kinds = [kind for kind, permission in VIEW_IMPORTS if request.user.has_perm(permission)]
        return super().get_queryset(request).filter(kind__in=kinds)

    def has_view_permission(self, request: HttpRequest, obj: CsvImport | None = None) -> bool:
        return any(request.user.has_perm(permission) for _, permission in VIEW_IMPORTS)


VIEW_IMPORTS = (
    (ImportKind.CONTACTS, VIEW_CAMPAIGNS),
    (ImportKind.DO_NOT_CALL, VIEW_DO_NOT_CALL),
)
