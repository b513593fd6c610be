"""Campaigns in the admin: edit, start/pause/resume/cancel, import contacts and the
do-not-call list, and watch progress. Every change goes through the services."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from calls.admin_base import ReadOnlyAdmin
from calls.exceptions import RuleViolation
from calls.exports import CsvExportAdminMixin

from .forms import CampaignForm, CsvUploadForm, DncUploadForm, DoNotCallForm
from .models import Attempt, Campaign, CampaignState, Contact, CsvImport, DoNotCall, ImportKind
from .permissions import RUN_CAMPAIGNS, VIEW_CAMPAIGNS, VIEW_DO_NOT_CALL
from .selectors import campaign_dialing, campaign_progress
from .serializers import ContactSerializer
from .services import dnc, imports, lifecycle

PROGRESS_BAR = '<progress value="{}" max="100" style="width:8em" title="{}% done"></progress> {}%'


def progress_bar(campaign: Campaign) -> str:
    return percent_bar(campaign_progress(campaign).percent_done)


def percent_bar(done: float) -> str:
    return format_html(PROGRESS_BAR, done, done, done)


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
    list_display = [
        "name",
        "state",
        "progress",
        "now",
        "calls_per_second",
        "caller_id",
        "created_at",
    ]
    list_filter = ["state", "content_kind", "if_machine"]
    search_fields = ["name"]
    readonly_fields = ["state", "started_at", "finished_at"]
    actions = ["start", "pause", "resume", "cancel"]
    fieldsets = [
        (None, {"fields": ["name", "caller_id", "state", "started_at", "finished_at"]}),
        (
            "What the callee gets",
            {
                "fields": [
                    "content_kind",
                    "message",
                    "message_audio_url",
                    "survey",
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
        campaign = get_object_or_404(Campaign, pk=object_id)
        extra = {
            "campaign_progress": campaign_progress(campaign),
            "progress_bar": progress_bar(campaign),
            "upload_url": reverse("admin:campaigns_campaign_upload", args=[campaign.pk]),
            "contacts_url": reverse("admin:campaigns_contact_changelist")
            + f"?campaign__id__exact={campaign.pk}",
        }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def get_urls(self) -> list[URLPattern]:
        upload = path(
            "<int:campaign_id>/upload/",
            self.admin_site.admin_view(self.upload_view),
            name="campaigns_campaign_upload",
        )
        return [upload, *super().get_urls()]

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
        return request.user.has_perm("campaigns.run_campaign")

    def _run(self, request: HttpRequest, queryset: QuerySet[Campaign], move: Callable, verb: str):
        if not request.user.has_perm(RUN_CAMPAIGNS):
            self.message_user(request, "You may not run campaigns.", messages.ERROR)
            return
        for campaign in queryset:
            try:
                move(campaign.pk)
            except RuleViolation as error:
                self.message_user(request, f"{campaign}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{campaign}: {verb}.", messages.SUCCESS)
                self._say_why_not_dialing(request, campaign)

    def _say_why_not_dialing(self, request: HttpRequest, campaign: Campaign) -> None:
        campaign.refresh_from_db()
        reason = campaign_dialing(campaign).not_dialing
        if campaign.state in (CampaignState.RUNNING, CampaignState.SCHEDULED) and reason:
            self.message_user(
                request, f"{campaign} is not dialing now: {reason.message}", messages.WARNING
            )

    @admin.action(description="Start the selected campaigns", permissions=["run"])
    def start(self, request, queryset):
        self._run(request, queryset, lifecycle.start, "started")

    @admin.action(description="Pause the selected campaigns (no new dials)", permissions=["run"])
    def pause(self, request, queryset):
        self._run(request, queryset, lifecycle.pause, "paused")

    @admin.action(description="Resume the selected campaigns", permissions=["run"])
    def resume(self, request, queryset):
        self._run(request, queryset, lifecycle.resume, "resumed")

    @admin.action(description="Cancel the selected campaigns", permissions=["run"])
    def cancel(self, request, queryset):
        self._run(request, queryset, lifecycle.cancel, "canceled")


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ["number", "call", "outcome", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Contact)
class ContactAdmin(CsvExportAdminMixin, ReadOnlyAdmin):
    """Read only: contacts come from imports and change through the dialer."""

    export_serializer = ContactSerializer
    export_prefetch = ("attempt_set__call",)

    list_display = ["phone_number", "campaign", "state", "outcome", "attempts", "next_attempt_at"]
    list_filter = ["state", "outcome", "campaign"]
    search_fields = ["phone_number"]
    list_select_related = ["campaign"]
    inlines = [AttemptInline]


@admin.register(DoNotCall)
class DoNotCallAdmin(admin.ModelAdmin):
    list_display = ["value", "is_prefix", "reason", "created_at"]
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
        "created_at",
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
        "created_at",
        "finished_at",
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
            return "-"
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
