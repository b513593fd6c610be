"""Conversations held in Twilio conferences, and the actions taken on them.

A customer's call meets an agent in a `Conference` named for the call; each
call in it is a `Participant`. Twilio's conference status callbacks are kept
as `ConferenceEvent`s, once each. A `ConversationAction` is one change asked of
a live conversation (hold, mute, listen…), with the same life as a
`calls.models.Redirect`. Rows are written only by `conversations.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from calls.models import RedirectState
from calls.presenters import phone_number


class ConferenceStatus(models.TextChoices):
    INIT = "init", "Waiting for the first participant"
    IN_PROGRESS = "in-progress", "In progress"
    COMPLETED = "completed", "Ended"


class Conference(models.Model):
    """One conference of a customer's call (a call may have several: one per hand-off)."""

    call = models.ForeignKey(
        "calls.Call",
        on_delete=models.CASCADE,
        related_name="conferences",
        help_text="the customer's call the conference is named for",
    )
    friendly_name = models.CharField(max_length=128)
    sid = models.CharField(
        "Conference SID",
        max_length=34,
        unique=True,
        null=True,
        blank=True,
        help_text="Twilio's SID, known from its first status callback or participant answer",
    )
    status = models.CharField(
        max_length=12, choices=ConferenceStatus.choices, default=ConferenceStatus.INIT
    )
    hold_music_url = models.URLField(
        max_length=1000, blank=True, help_text="what a participant on hold hears"
    )
    ended_reason = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_sequence = models.IntegerField(
        default=-1, help_text="the newest status callback applied (callbacks may arrive late)"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("hold_conversation", "Can hold, mute and end conversations"),
            ("supervise_conversation", "Can listen to, whisper to and barge into conversations"),
        ]

    def __str__(self) -> str:
        return self.friendly_name

    @property
    def is_live(self) -> bool:
        return self.status != ConferenceStatus.COMPLETED


class Role(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"
    THIRD_PARTY = "third-party", "Third party"


class Participant(models.Model):
    """One call in a conference, with its conference-side state as Twilio last told it."""

    conference = models.ForeignKey(
        Conference, on_delete=models.CASCADE, related_name="participants"
    )
    call = models.ForeignKey(
        "calls.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    call_sid = models.CharField("Call SID", max_length=34, blank=True)
    role = models.CharField(max_length=12, choices=Role.choices)
    agent = models.ForeignKey(
        "queues.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the supervisor who joined",
    )
    label = models.CharField(max_length=64, blank=True)
    endpoint = models.CharField(max_length=255, blank=True, help_text="the number, SIP or client")
    joined_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    on_hold = models.BooleanField(default=False)
    muted = models.BooleanField(default=False)
    coaching = models.BooleanField(default=False)
    last_sequence = models.IntegerField(default=-1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conference", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "call_sid"],
                condition=~Q(call_sid=""),
                name="participant_unique_call",
            ),
        ]

    def __str__(self) -> str:
        return self.who

    @property
    def who(self) -> str:
        """Who they are to a person: the agent's name, else the address dialed in
        ("+1 415-555-0777", a SIP URI, a client); the label Twilio needs is no name."""
        if self.agent_id is not None:
            return self.agent.name
        if self.endpoint:
            return phone_number(self.endpoint)
        return self.label or self.get_role_display()

    @property
    def is_present(self) -> bool:
        return self.joined_at is not None and self.left_at is None


class ConferenceEvent(models.Model):
    """One conference status callback, raw parameters kept; stored once per sequence number."""

    conference = models.ForeignKey(
        Conference, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    conference_sid = models.CharField(max_length=34)
    sequence_number = models.PositiveIntegerField()
    event = models.CharField(max_length=32, help_text="Twilio's StatusCallbackEvent")
    call_sid = models.CharField(max_length=34, blank=True)
    timestamp = models.DateTimeField(null=True, blank=True, help_text="Twilio's Timestamp")
    params = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conference_sid", "sequence_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["conference_sid", "sequence_number"], name="conference_event_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.sequence_number}"


# An action lives as a redirect does, through the same states.
ActionState = RedirectState


class Origin(models.TextChoices):
    """The screen (or process) an action was asked from."""

    BOARD = "board", "Live board"
    ADMIN = "admin", "Admin"
    API = "api", "API"
    SYSTEM = "system", "System"


class ConversationAction(models.Model):
    """One change asked of a live conversation, now or at a time.

    Its life is a redirect's: scheduled → queued → sending → done | failed
    (with Twilio's code and message), or canceled before it was due. `kind`
    names an entry of `conversations.registry`.
    """

    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="+")
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=32)
    params = models.JSONField(default=dict, blank=True)
    participant = models.ForeignKey(
        Participant,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
        help_text="the participant the action acted on or brought in",
    )
    state = models.CharField(
        max_length=10, choices=ActionState.choices, default=ActionState.SCHEDULED
    )
    due_at = models.DateTimeField(null=True, blank=True, help_text="empty: as soon as asked")
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.API)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    api_token = models.CharField(
        max_length=16,
        blank=True,
        help_text="which API token asked: the start of its SHA-256, never the token",
    )
    reason = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error_code = models.PositiveIntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="conversation_action_due",
                condition=Q(state="scheduled"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.conference}"

    @property
    def dial_label(self) -> str:
        """The label whoever this action dials in joins the room under: unique there, as
        Twilio wants, and known before the dial, so `selectors.action_dialing` finds the
        action from the leg whenever it ends."""
        return f"{self.kind}-{self.pk}"
