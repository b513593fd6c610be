"""Hold queues, the agents who take callers off hold, and post-call surveys.

Rows are written only by `queues.services`; admin, API, webhooks and tasks call
services so every path obeys the same rules and every change of a live call is a
`calls.Redirect`.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from calls import rules
from calls.exceptions import RuleViolation
from calls.unique_messages import PlainUniqueMessages

HOLD_LOOP_DEFAULT = 10


class OverflowAction(models.TextChoices):
    GOODBYE = "goodbye", "Say goodbye and hang up"
    VOICEMAIL = "voicemail", "Send to a voicemail URL"
    QUEUE = "queue", "Move to another queue"


class Survey(PlainUniqueMessages, models.Model):
    """A few keypad questions asked after a conversation (queue or campaign).

    A call is sent to a survey by pointing it (REST redirect or a call's Url) at
    `public_url("queues:survey-start", survey_id=survey.pk)`, which answers the
    survey's TwiML; answers land in `SurveyResponse`.
    """

    unique_messages = {("name",): "A survey named “{name}” already exists."}

    name = models.CharField(max_length=100, unique=True)
    introduction = models.CharField(
        max_length=500,
        blank=True,
        default="Please stay on the line for a short survey about your call.",
    )
    closing = models.CharField(
        max_length=500, blank=True, default="Thank you for your answers. Goodbye."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class QuestionKind(models.TextChoices):
    RATING = "rating", "Rating 1 to 5"
    YES_NO = "yes-no", "Yes (1) or no (2)"
    DIGITS = "digits", "Digits"


class SurveyQuestion(PlainUniqueMessages, models.Model):
    unique_messages = {
        ("survey", "position"): "“{survey}” already has a question at position {position}."
    }

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=1, help_text="asked in this order")
    kind = models.CharField(max_length=8, choices=QuestionKind.choices, default=QuestionKind.RATING)
    prompt = models.CharField(max_length=500)
    num_digits = models.PositiveSmallIntegerField(
        default=1, help_text="digits questions: how many digits the caller enters"
    )

    class Meta:
        ordering = ["survey", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "position"], name="survey_question_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey}: {self.position}. {self.prompt[:40]}"


class Queue(PlainUniqueMessages, models.Model):
    unique_messages = {("name",): "A queue named “{name}” already exists."}

    name = models.CharField(max_length=100, unique=True)
    greeting = models.CharField(
        max_length=500, default="Thank you for calling, a representative will be with you shortly."
    )
    hold_music_url = models.URLField(
        max_length=1000, blank=True, help_text="empty: the hold tune that ships with the product"
    )
    hold_loop = models.PositiveSmallIntegerField(
        default=HOLD_LOOP_DEFAULT, help_text="times the hold music plays before the wait is checked"
    )
    max_wait_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="after this wait the overflow action applies; empty: none"
    )
    overflow_action = models.CharField(
        max_length=10, choices=OverflowAction.choices, default=OverflowAction.GOODBYE
    )
    overflow_message = models.CharField(
        max_length=500,
        blank=True,
        default="We are sorry, all our representatives are busy. Please call again later. Goodbye.",
    )
    voicemail_url = models.URLField(max_length=1000, blank=True)
    overflow_queue = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opens_at = models.TimeField(null=True, blank=True, help_text="empty: always open")
    closes_at = models.TimeField(null=True, blank=True)
    open_weekdays = models.CharField(
        max_length=7, default="1234567", help_text="ISO weekdays open: 1 = Monday … 7 = Sunday"
    )
    closed_message = models.CharField(
        max_length=500, default="We are closed now. Please call again during our opening hours."
    )
    service_level_seconds = models.PositiveIntegerField(
        default=20, help_text="a call answered within this many seconds meets the service level"
    )
    auto_distribute = models.BooleanField(
        default=True, help_text="the distributor connects waiting callers to available agents"
    )
    survey = models.ForeignKey(
        Survey, null=True, blank=True, on_delete=models.SET_NULL, related_name="queues"
    )
    recording_policy = models.ForeignKey(
        "recordings.RecordingPolicy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="queues",
        help_text="whether and from when its callers are recorded; empty: not recorded",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if set(self.open_weekdays) - set("1234567") or len(set(self.open_weekdays)) != len(
            self.open_weekdays
        ):
            errors["open_weekdays"] = "ISO weekday digits, each once: 1 = Monday … 7 = Sunday."
        if (self.opens_at is None) != (self.closes_at is None):
            errors["closes_at"] = "Give both the opening and the closing time, or neither."
        if self.overflow_action == OverflowAction.VOICEMAIL and not self.voicemail_url:
            errors["voicemail_url"] = "Overflow to voicemail needs the voicemail URL."
        if self.overflow_action == OverflowAction.QUEUE and (
            self.overflow_queue_id is None or self.overflow_queue_id == self.pk
        ):
            errors["overflow_queue"] = "Overflow to a queue needs another queue."
        if errors:
            raise ValidationError(errors)


class InboundNumber(PlainUniqueMessages, models.Model):
    """A number of ours whose inbound calls wait in a queue."""

    unique_messages = {("phone_number",): "{phone_number} is already an inbound number."}

    phone_number = models.CharField(max_length=20, unique=True, help_text="E.164")
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="numbers")
    label = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["phone_number"]

    def __str__(self) -> str:
        return self.phone_number

    def clean(self) -> None:
        """Twilio sends To in E.164, so the number is kept in that form whatever was typed."""
        try:
            self.phone_number = rules.phone_number(self.phone_number, field="phone_number")
        except RuleViolation as refused:
            raise ValidationError({"phone_number": refused.message}) from refused


class EndpointKind(models.TextChoices):
    NUMBER = "number", "Phone number"
    SIP = "sip", "SIP URI"
    CLIENT = "client", "Client identity"


class AgentStatus(models.TextChoices):
    """Where an agent is in their day, each move recorded with its time
    (`Agent.status_changed_at`) by `queues.services.agents.move_agent`."""

    AVAILABLE = "available", "Available"
    RINGING = "ringing", "Ringing"
    ON_CALL = "on-call", "Talking"
    WRAP_UP = "wrap-up", "Wrapping up"
    OFFLINE = "offline", "Signed out"


# An agent offered a caller: their phone rings, then they talk; the call's end moves them on.
ON_A_CALL = (AgentStatus.RINGING, AgentStatus.ON_CALL)


class Agent(models.Model):
    name = models.CharField(max_length=100)
    endpoint_kind = models.CharField(
        max_length=6, choices=EndpointKind.choices, default=EndpointKind.NUMBER
    )
    endpoint = models.CharField(
        max_length=255, help_text="+E.164 number, sip:user@host, or a client identity"
    )
    status = models.CharField(
        max_length=10, choices=AgentStatus.choices, default=AgentStatus.OFFLINE
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    wrap_up_seconds = models.PositiveIntegerField(default=30)
    ring_timeout = models.PositiveSmallIntegerField(
        default=20, help_text="seconds the agent's endpoint rings before the caller goes back"
    )
    queues = models.ManyToManyField(Queue, blank=True, related_name="agents")
    idle_since = models.DateTimeField(
        null=True, blank=True, help_text="end of the last call; the longest idle is offered first"
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status", "idle_since"], name="agent_status_idle")]

    def __str__(self) -> str:
        return self.name


class AgentStatusChange(models.Model):
    """One move of an agent's status, kept so that time in each status can be added up
    (talk and wrap-up time per agent); `Agent.status_changed_at` holds only the latest."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=10, choices=AgentStatus.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["agent", "at", "id"]
        indexes = [models.Index(fields=["at", "agent"], name="agent_status_change_at")]

    def __str__(self) -> str:
        return f"{self.agent} {self.get_status_display().lower()} at {self.at:%H:%M:%S}"


class EntryStatus(models.TextChoices):
    WAITING = "waiting", "Waiting on hold"
    OFFERED = "offered", "Ringing an agent"
    CONNECTED = "connected", "Talking to an agent"
    ENDED = "ended", "Ended"


class EntryOutcome(models.TextChoices):
    """How a caller's wait ended (`queues.figures` counts each)."""

    CONNECTED = "connected", "Connected"
    ABANDONED = "abandoned", "Abandoned"
    OVERFLOWED = "overflowed", "Overflowed"
    ENDED_BY_SUPERVISOR = "supervisor", "Ended by a supervisor"
    TRANSFERRED = "transferred", "Transferred"


OPEN_ENTRY_STATUSES = (EntryStatus.WAITING, EntryStatus.OFFERED, EntryStatus.CONNECTED)


class QueueEntry(models.Model):
    """One stay of one caller in one queue, from enqueue to outcome."""

    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="entries")
    call = models.ForeignKey("calls.Call", on_delete=models.CASCADE, related_name="queue_entries")
    status = models.CharField(
        max_length=10, choices=EntryStatus.choices, default=EntryStatus.WAITING
    )
    outcome = models.CharField(max_length=11, choices=EntryOutcome.choices, blank=True)
    enqueued_at = models.DateTimeField(db_index=True)
    position_at_enqueue = models.PositiveIntegerField(default=1)
    # Order of service: enqueued_at at first; moved ahead of everyone when an
    # agent did not answer, so the caller is back at the head of the queue.
    rank = models.DateTimeField()
    agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    agent_leg = models.ForeignKey(
        "calls.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offer_redirect = models.ForeignKey(
        "calls.Redirect", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offers = models.PositiveSmallIntegerField(default=0, help_text="agents tried so far")
    dequeued_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    survey_sent_at = models.DateTimeField(null=True, blank=True)
    transferred_from = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transferred_to",
        help_text="the stay an agent transferred the caller here from; it keeps that wait",
    )

    class Meta:
        ordering = ["rank", "id"]
        verbose_name_plural = "queue entries"
        indexes = [
            models.Index(
                fields=["queue", "rank"],
                name="entry_waiting_rank",
                condition=Q(status="waiting"),
            ),
            models.Index(fields=["queue", "enqueued_at"], name="entry_queue_enqueued"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["call"],
                condition=Q(status__in=["waiting", "offered", "connected"]),
                name="entry_one_open_per_call",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call} in {self.queue} ({self.get_status_display().lower()})"


class SurveyResponse(models.Model):
    """One answer of one call to one question.

    The agent and queue are those of the conversation the survey is about, kept
    on the answer so per-agent and per-queue averages need no walk through calls.
    """

    call = models.ForeignKey(
        "calls.Call", on_delete=models.CASCADE, related_name="survey_responses"
    )
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="responses")
    agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_responses"
    )
    queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_responses"
    )
    answer = models.CharField(max_length=32)
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="rating questions: the 1 to 5 rating, for averages"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "question"], name="survey_response_once_per_question"
            ),
        ]

    def __str__(self) -> str:
        return f"“{self.answer}” to “{self.question.prompt}” on {self.call}"
