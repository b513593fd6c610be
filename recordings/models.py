"""Recording policies, the recordings Twilio made under them, and every change a
user asked of a live recording.

Rows are written only by `recordings.services`; admin, API, webhooks and tasks
call services, so every path obeys the same rules and records who asked.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from calls.models import Call, Source
from calls.unique_messages import PlainUniqueMessages

ANNOUNCEMENT_MAX_LENGTH = 500
RETENTION_MAX_DAYS = 3650
# A recording no policy asked for (one Twilio started on its own) is kept this long.
DEFAULT_RETENTION_DAYS = 90


class RecordingMode(models.TextChoices):
    OFF = "off", "Off"
    FROM_ANSWER = "answer", "On, from the answer"
    FROM_AGENT = "agent", "On, from when the agent joins"


class RecordingPolicy(PlainUniqueMessages, models.Model):
    """Whether a queue's or a campaign's calls are recorded, from when, with which
    consent announcement, and for how long the recordings are kept."""

    unique_messages = {("name",): "A recording policy named “{name}” already exists."}

    name = models.CharField(max_length=100, unique=True)
    mode = models.CharField(max_length=8, choices=RecordingMode.choices, default=RecordingMode.OFF)
    announcement = models.CharField(
        max_length=ANNOUNCEMENT_MAX_LENGTH,
        blank=True,
        help_text="said to the caller before the recording starts, where consent is "
        "required (e.g. “This call is recorded for quality and training.”); empty: none",
    )
    retention_days = models.PositiveIntegerField(
        default=DEFAULT_RETENTION_DAYS,
        help_text=f"days a recording is kept before it is deleted at Twilio (1 to "
        f"{RETENTION_MAX_DAYS}); a legal hold keeps one past it",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "recording policies"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if not 1 <= (self.retention_days or 0) <= RETENTION_MAX_DAYS:
            errors["retention_days"] = f"Keep recordings from 1 to {RETENTION_MAX_DAYS} days."
        self.announcement = (self.announcement or "").strip()
        if self.mode == RecordingMode.OFF and self.announcement:
            errors["announcement"] = "A policy that records nothing announces nothing."
        if errors:
            raise ValidationError(errors)

    @property
    def records(self) -> bool:
        return self.mode != RecordingMode.OFF


class RecordingStatus(models.TextChoices):
    REQUESTED = "requested", "Requested (not sent to Twilio yet)"
    STARTING = "starting", "Starting (asked Twilio)"
    IN_PROGRESS = "in-progress", "Recording"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped (being processed)"
    COMPLETED = "completed", "Completed"
    ABSENT = "absent", "Absent (nothing was recorded)"
    FAILED = "failed", "Failed"


OPEN_RECORDING_STATUSES = frozenset(
    {
        RecordingStatus.REQUESTED,
        RecordingStatus.STARTING,
        RecordingStatus.IN_PROGRESS,
        RecordingStatus.PAUSED,
    }
)
LIVE_RECORDING_STATUSES = frozenset({RecordingStatus.IN_PROGRESS, RecordingStatus.PAUSED})
FINAL_RECORDING_STATUSES = frozenset(
    {RecordingStatus.COMPLETED, RecordingStatus.ABSENT, RecordingStatus.FAILED}
)
# Position in a recording's life: a callback never moves it back. Recording and
# paused share a rank, since our own pause and resume move between them.
RECORDING_STATUS_RANK = {
    RecordingStatus.REQUESTED: 0,
    RecordingStatus.STARTING: 1,
    RecordingStatus.IN_PROGRESS: 2,
    RecordingStatus.PAUSED: 2,
    RecordingStatus.STOPPED: 3,
    **dict.fromkeys(FINAL_RECORDING_STATUSES, 4),
}


class Recording(models.Model):
    """One recording of a call (or of its conference), as Twilio's callbacks tell it."""

    sid = models.CharField("Recording SID", max_length=34, unique=True, null=True, blank=True)
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="recordings")
    conference_sid = models.CharField("conference SID", max_length=34, blank=True)
    policy = models.ForeignKey(
        RecordingPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=RecordingStatus.choices, default=RecordingStatus.REQUESTED
    )
    channels = models.PositiveSmallIntegerField(null=True, blank=True)
    duration = models.PositiveIntegerField(null=True, blank=True, help_text="seconds")
    media_url = models.URLField(
        max_length=1000, blank=True, help_text="Twilio's; played back only through the product"
    )
    origin = models.CharField(max_length=10, choices=Source.choices, default=Source.SYSTEM)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retention_days = models.PositiveIntegerField(help_text="from the policy, when requested")
    legal_hold = models.BooleanField(
        default=False, help_text="kept past its retention until the hold is lifted"
    )
    error_code = models.PositiveIntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="when the product deleted it at Twilio"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            (
                "manage_recording",
                "Can pause, resume and stop recordings, play them back and hold them",
            ),
        ]
        indexes = [
            models.Index(
                fields=["completed_at"],
                name="recording_to_sweep",
                condition=Q(deleted_at__isnull=True, legal_hold=False, status="completed"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["call"],
                condition=Q(status__in=["requested", "starting", "in-progress", "paused"]),
                name="recording_one_open_per_call",
            ),
        ]

    def __str__(self) -> str:
        return self.sid or f"recording #{self.pk} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_RECORDING_STATUSES

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def has_media(self) -> bool:
        return self.status == RecordingStatus.COMPLETED and bool(self.sid) and not self.is_deleted

    @property
    def expires_at(self):
        """When the retention sweep deletes it (counted from the end of the recording)."""
        if self.completed_at is None:
            return None
        return self.completed_at + timedelta(days=self.retention_days)


class RecordingEvent(models.Model):
    """One recording status callback, raw parameters kept, stored once per
    recording and status (Twilio's retries and duplicates land on the same row)."""

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=12)
    fingerprint = models.CharField(max_length=80, unique=True)
    params = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recording", "received_at", "id"]

    def __str__(self) -> str:
        return f"{self.recording}: {self.status}"


class RecordingActionKind(models.TextChoices):
    PAUSE = "pause", "Pause"
    RESUME = "resume", "Resume"
    STOP = "stop", "Stop"


class RecordingActionState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    SENDING = "sending", "Sending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class PauseBehavior(models.TextChoices):
    SILENCE = "silence", "Silence (the media keeps the call's length)"
    SKIP = "skip", "Skip (the paused time is left out)"


class RecordingAction(models.Model):
    """One pause, resume or stop a user asked of a live recording: who, from where,
    when, and Twilio's answer (its error code when it refused)."""

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=8, choices=RecordingActionKind.choices)
    pause_behavior = models.CharField(max_length=8, choices=PauseBehavior.choices, blank=True)
    origin = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=RecordingActionState.choices, default=RecordingActionState.REQUESTED
    )
    error_code = models.PositiveIntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.recording}"
