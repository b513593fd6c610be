"""The recordings' admin: policies (edited here, checked by the model), and
recordings, read only, changed through `recordings.services` from actions and
from the buttons of a call's page and the board.

Playback is an admin view that streams the media through the product
(`playback.media_response`), for those who manage recordings only.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from calls.admin_base import ReadOnlyInline, ServiceAdmin
from calls.exceptions import RuleViolation, TwilioError, TwilioUnreachable
from calls.models import Source

from . import services
from .models import Recording, RecordingAction, RecordingEvent, RecordingPolicy
from .permissions import MANAGE_RECORDINGS
from .playback import media_response

# The buttons of a call's page and the board: slug → (service, what it did).
BUTTONS = {
    "pause": (services.recording_pause, "Pause requested"),
    "resume": (services.recording_resume, "Resume requested"),
    "stop": (services.recording_stop, "Stop requested"),
}
WHY_REFUSED = "Only Supervisors manage recordings; your role can see their state."


def require_manage(request: HttpRequest) -> None:
    if not request.user.has_perm(MANAGE_RECORDINGS):
        raise PermissionDenied(WHY_REFUSED)


@admin.register(RecordingPolicy)
class RecordingPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "mode", "announcement", "retention_days"]
    list_filter = ["mode"]
    search_fields = ["name"]
    fields = ["name", "mode", "announcement", "retention_days"]


class RecordingActionInline(ReadOnlyInline):
    model = RecordingAction
    fields = [
        "created_at",
        "kind",
        "pause_behavior",
        "origin",
        "requested_by",
        "state",
        "error_code",
        "error_message",
        "sent_at",
        "finished_at",
    ]
    show_change_link = False


class RecordingEventInline(ReadOnlyInline):
    """The callbacks, without their parameters: those name Twilio's media URL, which
    plays without the product's checks on an account that does not enforce auth."""

    model = RecordingEvent
    fields = ["received_at", "status"]
    show_change_link = False


@admin.register(Recording)
class RecordingAdmin(ServiceAdmin):
    list_display = [
        "__str__",
        "call",
        "status",
        "duration",
        "legal_hold",
        "created_at",
        "expires_at",
        "deleted_at",
    ]
    list_filter = ["status", "legal_hold", "origin"]
    list_select_related = ["call"]
    search_fields = ["sid__exact", "call__sid__exact"]
    search_help_text = "A recording's SID (RE…) or its call's (CA…)."
    date_hierarchy = "created_at"
    raw_id_fields = ["call"]
    inlines = [RecordingActionInline, RecordingEventInline]
    # Twilio's media URL is never shown: the recording plays through the product.
    exclude = ["media_url"]
    actions = ["put_on_legal_hold", "lift_legal_hold"]
    change_form_template = "admin/recordings/recording/change_form.html"

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MANAGE_RECORDINGS)

    @admin.action(description="Put on legal hold", permissions=["manage"])
    def put_on_legal_hold(self, request: HttpRequest, queryset: QuerySet[Recording]) -> None:
        self.run_service(
            request,
            queryset,
            services.recording_legal_hold_set,
            "Held",
            hold=True,
            requested_by=request.user,
        )

    @admin.action(description="Lift legal hold", permissions=["manage"])
    def lift_legal_hold(self, request: HttpRequest, queryset: QuerySet[Recording]) -> None:
        self.run_service(
            request,
            queryset,
            services.recording_legal_hold_set,
            "Hold lifted",
            hold=False,
            requested_by=request.user,
        )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:recording_id>/media/",
                self.admin_site.admin_view(self.media_view),
                name="recordings_recording_media",
            ),
            path(
                "<int:recording_id>/actions/<slug:button>/",
                self.admin_site.admin_view(self.button_view),
                name="recordings_recording_button",
            ),
        ]
        return [*own, *super().get_urls()]

    def media_view(self, request: HttpRequest, recording_id: int) -> HttpResponse:
        """The recording's audio for the page's player, streamed through the product."""
        require_manage(request)
        recording = get_object_or_404(Recording, pk=recording_id)
        try:
            return media_response(recording)
        except RuleViolation as refused:
            return HttpResponse(refused.message, status=409, content_type="text/plain")
        except (TwilioError, TwilioUnreachable) as failed:
            return HttpResponse(failed.message, status=502, content_type="text/plain")

    def button_view(self, request: HttpRequest, recording_id: int, button: str) -> HttpResponse:
        """Pause, resume or stop from a call's page or the board, then go back."""
        require_manage(request)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if button not in BUTTONS:
            raise PermissionDenied("No such recording action.")
        service, verb = BUTTONS[button]
        recording = get_object_or_404(Recording, pk=recording_id)
        try:
            service(recording, origin=Source.ADMIN, requested_by=request.user)
        except RuleViolation as refused:
            self.message_user(request, f"{recording}: refused. {refused.message}", messages.ERROR)
        else:
            self.message_user(request, f"{verb}: {recording}.", messages.SUCCESS)
        return HttpResponseRedirect(self._back(request, recording))

    @staticmethod
    def _back(request: HttpRequest, recording: Recording) -> str:
        wanted = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return wanted
        return reverse("admin:calls_call_change", args=[recording.call_id])
