"""The record of every call, leg, callback and redirect.

Rows are written only by `calls.services`; admin, API and tasks call services so
every path obeys the same rules.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from . import presenters


class CallStatus(models.TextChoices):
    PENDING = "pending", "Pending (not sent to Twilio yet)"
    DISPATCHING = "dispatching", "Dispatching"
    UNKNOWN = "unknown", "Unknown (create answer lost, reconciling)"
    QUEUED = "queued", "Queued"
    INITIATED = "initiated", "Initiated"
    RINGING = "ringing", "Ringing"
    IN_PROGRESS = "in-progress", "In progress"
    COMPLETED = "completed", "Completed"
    BUSY = "busy", "Busy"
    NO_ANSWER = "no-answer", "No answer"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


FINAL_STATUSES = frozenset(
    {
        CallStatus.COMPLETED,
        CallStatus.BUSY,
        CallStatus.NO_ANSWER,
        CallStatus.FAILED,
        CallStatus.CANCELED,
    }
)
LIVE_STATUSES = frozenset(
    {CallStatus.QUEUED, CallStatus.INITIATED, CallStatus.RINGING, CallStatus.IN_PROGRESS}
)
# Position in a call's life; a status never moves to a lower rank.
STATUS_RANK = {
    CallStatus.PENDING: 0,
    CallStatus.DISPATCHING: 1,
    CallStatus.UNKNOWN: 2,
    CallStatus.QUEUED: 3,
    CallStatus.INITIATED: 4,
    CallStatus.RINGING: 5,
    CallStatus.IN_PROGRESS: 6,
    **dict.fromkeys(FINAL_STATUSES, 7),
}


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND_API = "outbound-api", "Outbound (API)"
    OUTBOUND_DIAL = "outbound-dial", "Outbound leg (Dial)"


class IfMachine(models.TextChoices):
    NONE = "none", "No detection"
    CONTINUE = "continue", "Continue (leave a message after the beep)"
    HANGUP = "hangup", "Hang up on machines"


class Outcome(models.TextChoices):
    """The 2008 API's DialStatus vocabulary, as the answer URL saw it."""

    ANSWERED = "answered", "Answered"
    ANSWERED_HUMAN = "answered-human", "Answered by a human"
    ANSWERED_MACHINE = "answered-machine", "Answered by a machine"
    HANGUP_MACHINE = "hangup-machine", "Machine, hung up"


class HttpMethod(models.TextChoices):
    POST = "POST", "POST"
    GET = "GET", "GET"


class Source(models.TextChoices):
    API = "api", "API"
    ADMIN = "admin", "Admin"
    CAMPAIGN = "campaign", "Campaign"
    QUEUE = "queue", "Queue"
    SURVEY = "survey", "Survey"
    SCHEDULE = "schedule", "Schedule"
    TWILIO = "twilio", "Twilio (webhook)"
    SYSTEM = "system", "System"


class Call(models.Model):
    sid = models.CharField("Call SID", max_length=34, unique=True, null=True, blank=True)
    account_sid = models.CharField(max_length=34, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="legs"
    )
    parent_sid = models.CharField(
        "parent call SID",
        max_length=34,
        blank=True,
        help_text="Twilio's ParentCallSid: a leg seen before its parent is attached to it "
        "as soon as the parent is known.",
    )
    direction = models.CharField(
        max_length=16, choices=Direction.choices, default=Direction.OUTBOUND_API
    )
    from_number = models.CharField("from", max_length=128, blank=True)
    to_number = models.CharField("to", max_length=128)
    status = models.CharField(max_length=16, choices=CallStatus.choices, default=CallStatus.PENDING)
    answered_by = models.CharField(max_length=32, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    start_time = models.DateTimeField(null=True, blank=True)
    end_time = models.DateTimeField(null=True, blank=True)
    duration = models.PositiveIntegerField(null=True, blank=True, help_text="seconds")
    price = models.DecimalField(max_digits=10, decimal_places=5, null=True, blank=True)
    price_unit = models.CharField(max_length=3, blank=True)
    queue_time = models.PositiveIntegerField(null=True, blank=True, help_text="milliseconds")

    # What was asked for.
    url = models.URLField(max_length=1000, blank=True)
    twiml = models.TextField(blank=True)
    method = models.CharField(max_length=4, choices=HttpMethod.choices, default=HttpMethod.POST)
    fallback_url = models.URLField(max_length=1000, blank=True)
    fallback_method = models.CharField(
        max_length=4, choices=HttpMethod.choices, default=HttpMethod.POST
    )
    if_machine = models.CharField(max_length=8, choices=IfMachine.choices, default=IfMachine.NONE)
    async_amd = models.BooleanField(
        "asynchronous AMD",
        default=False,
        help_text="Detect machines in the background: the flow starts without the ~3 s "
        "of dead air, and the verdict arrives on its own callback.",
    )
    send_digits = models.CharField(max_length=64, blank=True)
    timeout = models.PositiveSmallIntegerField(default=60)
    time_limit = models.PositiveIntegerField(null=True, blank=True)

    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    idempotency_key = models.CharField(max_length=255, blank=True)
    error_code = models.CharField(
        max_length=32,
        blank=True,
        help_text="Twilio's error code (e.g. 21216), or the project's own: "
        "twilio-unreachable (Twilio could not be reached for DISPATCH_RETRY_SECONDS; "
        "nobody was dialed).",
    )
    error_message = models.CharField(max_length=500, blank=True)
    error_url = models.URLField(
        max_length=1000, blank=True, help_text="the URL Twilio could not use (its ErrorUrl)"
    )
    dispatch_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("place_call", "Can place outbound calls"),
            ("control_call", "Can redirect, hang up and cancel live calls"),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="call_status_created"),
            models.Index(fields=["direction", "-created_at"], name="call_direction_created"),
            models.Index(fields=["outcome", "-created_at"], name="call_outcome_created"),
            models.Index(fields=["to_number"], name="call_to"),
            models.Index(fields=["from_number"], name="call_from"),
            models.Index(
                fields=["parent_sid"],
                name="call_leg_without_parent",
                condition=Q(parent__isnull=True) & ~Q(parent_sid=""),
            ),
            models.Index(
                fields=["status", "updated_at"],
                name="call_live_updated",
                condition=Q(
                    status__in=[
                        "dispatching",
                        "unknown",
                        "queued",
                        "initiated",
                        "ringing",
                        "in-progress",
                    ]
                ),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="call_unique_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return presenters.call_label(self)

    @property
    def context(self) -> presenters.CallContext:
        """Names and handlers the other apps know (`presenters.attach_context`)."""
        return presenters.context_of(self)

    @property
    def far_number(self) -> str:
        """The number on the far side, as stored: the caller, or whoever we dialed
        (a campaign's contact waiting in a queue is the person, not our caller ID)."""
        return self.from_number if self.direction == Direction.INBOUND else self.to_number

    @property
    def far_name(self) -> str:
        """The far side's name where an app knows it (`context`)."""
        context = self.context
        return context.from_name if self.direction == Direction.INBOUND else context.to_name

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class EventKind(models.TextChoices):
    STATUS = "status", "Status callback"
    AMD = "amd", "Answering machine detection"
    ANSWER = "answer", "Answer URL request"
    DIAL_ACTION = "dial-action", "Dial action"


class CallEvent(models.Model):
    """One callback Twilio sent, raw parameters kept.

    `fingerprint` identifies the callback (call, kind, sequence number or
    status), so Twilio's retries and duplicates are stored once.
    """

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    call_status = models.CharField(max_length=16, blank=True)
    sequence_number = models.PositiveIntegerField(null=True, blank=True)
    timestamp = models.DateTimeField(null=True, blank=True, help_text="Twilio's Timestamp")
    fingerprint = models.CharField(max_length=120, unique=True)
    params = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["call", "received_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.call_status} #{self.sequence_number}"


class RedirectState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    QUEUED = "queued", "Queued (due, handed to a worker)"
    SENDING = "sending", "Sending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"
    SKIPPED = "skipped", "Skipped (call had ended)"


class RedirectTrigger(models.TextChoices):
    NOW = "now", "Now"
    AT = "at", "At a time"
    LEG_ENDED = "leg-ended", "When a leg of the call ends"


class Redirect(models.Model):
    """One request to change a live call: new Url/Twiml, or a Status."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="redirects")
    url = models.URLField(max_length=1000, blank=True)
    twiml = models.TextField(blank=True)
    method = models.CharField(max_length=4, choices=HttpMethod.choices, default=HttpMethod.POST)
    fallback_url = models.URLField(max_length=1000, blank=True)
    fallback_method = models.CharField(
        max_length=4, choices=HttpMethod.choices, default=HttpMethod.POST
    )
    target_status = models.CharField(
        max_length=10,
        blank=True,
        choices=[("completed", "Hang up (completed)"), ("canceled", "Cancel (canceled)")],
    )
    origin = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(max_length=200, blank=True, help_text="why, in a few words")
    trigger = models.CharField(
        max_length=10, choices=RedirectTrigger.choices, default=RedirectTrigger.NOW
    )
    due_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        max_length=10, choices=RedirectState.choices, default=RedirectState.SCHEDULED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    error_url = models.URLField(
        max_length=1000, blank=True, help_text="the URL Twilio could not use (its ErrorUrl)"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="redirect_due",
                condition=Q(state="scheduled", trigger="at"),
            ),
            models.Index(fields=["state", "-created_at"], name="redirect_state_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} of {self.call}"

    def get_action_display(self) -> str:
        if self.target_status == "completed":
            return "Hang up"
        if self.target_status == "canceled":
            return "Cancel"
        return "Redirect"
