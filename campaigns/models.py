"""Outbound campaigns: what to say to whom, when and how fast, and what came of it.

Rows are written only by `campaigns.services`; admin, API, webhooks and tasks
call services so every path obeys the same rules (state machine, DNC, pacing).
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q

from calls.models import HttpMethod, IfMachine
from calls.presenters import party_label
from calls.unique_messages import PlainUniqueMessages

# Where a contact's CSV row gives its name: one of these columns, else both parts.
NAME_VARIABLES = ("name", "full_name")
NAME_PARTS = ("first_name", "last_name")


class CampaignState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    CANCELED = "canceled", "Canceled"


class ContentKind(models.TextChoices):
    MESSAGE = "message", "Say or play a message"
    SURVEY = "survey", "Take a survey"
    URL = "url", "Follow a TwiML URL"
    TWIML = "twiml", "Follow inline TwiML"
    AGENT = "agent", "Connect to an agent"


class RetryReason(models.TextChoices):
    """The outcomes a campaign may call back on, each with its own rule."""

    BUSY = "busy", "Busy"
    NO_ANSWER = "no-answer", "No answer"
    FAILED = "failed", "Failed"
    MACHINE = "machine", "Answering machine"


ISO_WEEKDAYS = "1234567"


class Campaign(PlainUniqueMessages, models.Model):
    unique_messages = {("name",): "A campaign named “{name}” already exists."}

    name = models.CharField(max_length=100, unique=True)
    caller_id = models.CharField(
        "caller ID", max_length=20, help_text="the From number, E.164 (any format accepted)"
    )
    state = models.CharField(
        max_length=10, choices=CampaignState.choices, default=CampaignState.DRAFT, db_index=True
    )

    # What the callee gets.
    content_kind = models.CharField(
        max_length=8, choices=ContentKind.choices, default=ContentKind.MESSAGE
    )
    message = models.TextField(
        blank=True, help_text="said to whoever answers; $name-style contact variables are filled in"
    )
    message_audio_url = models.URLField(
        max_length=1000, blank=True, help_text="played instead of (or after) the spoken message"
    )
    survey = models.ForeignKey(
        "queues.Survey",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text="the survey the callee is sent to after the message",
    )
    recording_policy = models.ForeignKey(
        "recordings.RecordingPolicy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
        help_text="whether its calls are recorded from the answer; empty: not recorded",
    )
    queue = models.ForeignKey(
        "queues.Queue",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text="where a person who answers waits for an agent, as an inbound caller would",
    )
    answer_url = models.URLField(max_length=1000, blank=True, help_text="your TwiML application")
    answer_method = models.CharField(
        max_length=4, choices=HttpMethod.choices, default=HttpMethod.POST
    )
    twiml = models.TextField("inline TwiML", blank=True)

    # Machines, keys and limits of each call.
    if_machine = models.CharField(max_length=8, choices=IfMachine.choices, default=IfMachine.NONE)
    voicemail_message = models.TextField(
        blank=True, help_text="left after the beep when a machine answers (if_machine=continue)"
    )
    voicemail_audio_url = models.URLField(max_length=1000, blank=True)
    send_digits = models.CharField(
        max_length=32, blank=True, help_text="keys pressed once answered, e.g. ww123#"
    )
    timeout = models.PositiveSmallIntegerField(
        default=60, help_text="seconds to let the phone ring (1-600)"
    )
    time_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="most seconds a call may last; empty: Twilio's 4 hours"
    )

    # Pacing.
    calls_per_second = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        default=1,
        help_text="new calls started per second, across every worker",
    )
    max_concurrent_calls = models.PositiveIntegerField(
        default=10, help_text="calls dialing or live at once"
    )

    # When.
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        help_text="for contacts whose number does not tell one zone, and for start/end",
    )
    window_days = models.CharField(
        max_length=7, default="12345", help_text="ISO weekdays to call on: 1 = Monday … 7 = Sunday"
    )
    window_start = models.TimeField(default=time(9, 0), help_text="in the contact's zone")
    window_end = models.TimeField(
        default=time(20, 0),
        help_text="in the contact's zone; 00:00 is midnight, so 00:00 to 00:00 is all day",
    )
    starts_at = models.DateTimeField(null=True, blank=True, help_text="empty: as soon as started")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="empty: when all are done")

    # Retries: total attempts per contact after each outcome, and the wait.
    busy_max_attempts = models.PositiveSmallIntegerField(default=3)
    busy_retry_delay = models.PositiveIntegerField(default=300, help_text="seconds")
    no_answer_max_attempts = models.PositiveSmallIntegerField(default=3)
    no_answer_retry_delay = models.PositiveIntegerField(default=900, help_text="seconds")
    failed_max_attempts = models.PositiveSmallIntegerField(default=2)
    failed_retry_delay = models.PositiveIntegerField(default=600, help_text="seconds")
    machine_max_attempts = models.PositiveSmallIntegerField(default=1)
    machine_retry_delay = models.PositiveIntegerField(default=3600, help_text="seconds")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("run_campaign", "Can start, pause, resume and cancel campaigns")]

    def __str__(self) -> str:
        return self.name

    def retry_rule(self, reason: str) -> tuple[int, int]:
        """(max attempts, delay in seconds) after an attempt that ended with `reason`."""
        prefix = reason.replace("-", "_")
        return getattr(self, f"{prefix}_max_attempts"), getattr(self, f"{prefix}_retry_delay")


class ContactState(models.TextChoices):
    WAITING = "waiting", "Waiting for its next attempt"
    DIALING = "dialing", "Dialing or on the phone"
    DONE = "done", "Done"


class ContactOutcome(models.TextChoices):
    ANSWERED = "answered", "Answered"
    ANSWERED_HUMAN = "answered-human", "Answered by a human"
    ANSWERED_MACHINE = "answered-machine", "Answered by a machine"
    HANGUP_MACHINE = "hangup-machine", "Machine, hung up"
    BUSY = "busy", "Busy"
    NO_ANSWER = "no-answer", "No answer"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"
    DNC = "dnc", "Do not call"
    CONNECTED_TO_AGENT = "agent", "Connected to an agent"
    NO_AGENT = "no-agent", "Answered, no agent"


class Contact(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="contacts")
    phone_number = models.CharField(max_length=20, help_text="E.164")
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="from the number; empty: the campaign's zone"
    )
    variables = models.JSONField(default=dict, blank=True, help_text="passed to the call flow")
    send_digits = models.CharField(
        max_length=32, blank=True, help_text="overrides the campaign's SendDigits"
    )
    state = models.CharField(
        max_length=8, choices=ContactState.choices, default=ContactState.WAITING
    )
    outcome = models.CharField(max_length=20, choices=ContactOutcome.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_call = models.ForeignKey(
        "calls.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "phone_number"], name="contact_unique_number"
            ),
        ]
        indexes = [
            models.Index(
                fields=["campaign", "next_attempt_at", "id"],
                name="contact_due",
                condition=Q(state="waiting"),
            ),
            models.Index(fields=["campaign", "state", "outcome"], name="contact_progress"),
        ]

    def __str__(self) -> str:
        """The person and their number, as a supervisor would say them."""
        return party_label(self.phone_number, self.name)

    @property
    def name(self) -> str:
        """The name the contact's CSV row gave: a `name` or `full_name` column, else
        its first and last names."""
        variables = self.variables or {}
        for key in NAME_VARIABLES:
            if str(variables.get(key, "")).strip():
                return str(variables[key]).strip()
        return " ".join(str(variables.get(key, "")).strip() for key in NAME_PARTS).strip()


class Attempt(models.Model):
    """One dial of one contact: the Call it became and what came of it."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="attempt_set")
    number = models.PositiveSmallIntegerField(help_text="1 for the first dial")
    call = models.OneToOneField(
        "calls.Call", on_delete=models.PROTECT, related_name="campaign_attempt"
    )
    outcome = models.CharField(max_length=20, choices=ContactOutcome.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["contact", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "number"], name="attempt_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} #{self.number}"


class DoNotCall(PlainUniqueMessages, models.Model):
    """A number, or a prefix of numbers, nobody may dial (checked at import and dial time)."""

    unique_messages = {("value", "is_prefix"): "{value} is already on the do-not-call list."}

    value = models.CharField(max_length=20, help_text="E.164 number, or the start of one: +1900")
    is_prefix = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["value"]
        verbose_name = "do-not-call entry"
        verbose_name_plural = "do-not-call list"
        constraints = [
            models.UniqueConstraint(fields=["value", "is_prefix"], name="dnc_unique_value"),
        ]

    def __str__(self) -> str:
        return f"{self.value}…" if self.is_prefix else self.value


class PacingBucket(models.Model):
    """The database token bucket (one token deep) for brokers other than Redis.

    `next_free_at` is the earliest moment the next call may start; taking a
    token moves it one interval on, under a row lock, across every worker.
    """

    key = models.CharField(max_length=100, unique=True)
    next_free_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key


class DialerLease(models.Model):
    """One of a campaign's dialer loops, held by one worker at a time.

    A loop renews its lease while it runs; a worker killed mid-loop lets the
    lease lapse and the next tick starts a new loop in its place.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    slot = models.PositiveSmallIntegerField()
    holder = models.CharField(max_length=36, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "slot"], name="dialer_lease_unique_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} loop {self.slot}"


class PacingSend(models.Model):
    """A create counted by the database send window (see `campaigns.pacing`):
    from the moment it was let through until `counts_until`."""

    key = models.CharField(max_length=100)
    ticket = models.CharField(max_length=40, unique=True)
    counts_until = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key", "counts_until"])]

    def __str__(self) -> str:
        return f"{self.key} {self.ticket}"


class ImportKind(models.TextChoices):
    CONTACTS = "contacts", "Contacts of a campaign"
    DO_NOT_CALL = "do-not-call", "Do-not-call entries"


class ImportState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class CsvImport(models.Model):
    """One uploaded CSV file, imported by a worker in chunks: a file of 100,000
    rows takes longer than a web request may last. The upload checked its shape;
    `processed` counts the rows handled so far, each chunk committed with it."""

    kind = models.CharField(max_length=12, choices=ImportKind.choices)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="imports"
    )
    file_name = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True, help_text="the file, kept until it is imported")
    state = models.CharField(
        max_length=8, choices=ImportState.choices, default=ImportState.QUEUED, db_index=True
    )
    rows = models.PositiveIntegerField(default=0, help_text="data rows in the file")
    processed = models.PositiveIntegerField(default=0, help_text="rows handled so far")
    imported = models.PositiveIntegerField(default=0, help_text="contacts or entries added")
    already_listed = models.PositiveIntegerField(
        default=0, help_text="do-not-call entries that were on the list already"
    )
    rejected = models.JSONField(default=list, blank=True, help_text="line, value and reason")
    error = models.TextField(blank=True, help_text="why the import stopped, when it failed")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "CSV import"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.file_name or 'a file'}"

    @property
    def percent_done(self) -> float:
        return round(100 * self.processed / self.rows, 1) if self.rows else 100.0
