"""A supervisor's actions on a caller: hang up politely, send to the survey, and
any other change of the caller's call a person asks for.

Each is a recorded `Redirect` (`calls.services.request_redirect`) with who
asked. The queue's own actions end the entry with the redirect, so a refused
redirect changes nothing; a change asked through the calls core (the board's
Hang up and Redirect, the admin's Redirect to URL now or scheduled, the API)
ends it when the redirect goes out (`record_redirect_sending`). Either way the
wait counts as ended by a supervisor, never as abandoned.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from calls import services as call_services
from calls.exceptions import RuleViolation
from calls.models import Redirect, Source
from calls.urls_public import public_url

from .. import twiml
from ..models import OPEN_ENTRY_STATUSES, AgentStatus, EntryOutcome, EntryStatus, QueueEntry, Survey
from .agents import agent_call_ended
from .common import locked_entry, work_queues_after_commit
from .entries import end_entry

# Who a change of a live call comes from when a person asked for it.
SUPERVISOR_ORIGINS = frozenset({Source.ADMIN, Source.API})


def hang_up_politely(entry: QueueEntry, *, origin: str = Source.API, requested_by=None) -> Redirect:
    """Seed 000's third document: goodbye, then hang up."""
    with transaction.atomic():
        entry = _open_entry(entry)
        redirect = call_services.request_redirect(
            entry.call,
            twiml=str(twiml.goodbye_document()),
            origin=origin,
            requested_by=requested_by,
            reason="hang up politely",
        )
        _end_by_supervisor(entry)
    return redirect


def send_to_survey(
    entry: QueueEntry,
    *,
    survey: Survey | None = None,
    origin: str = Source.API,
    requested_by=None,
) -> Redirect:
    """Redirect the caller to a survey now (the queue's, unless one is named).

    A caller talking to an agent is taken out of the conversation: the redirect
    ends the agent's leg, and the Dial action that follows is overtaken, so the
    survey is not sent twice.
    """
    with transaction.atomic():
        entry = locked_entry(entry.pk)
        survey = survey or entry.queue.survey
        if survey is None:
            raise RuleViolation(f"{entry.queue} has no survey; name one.", field="survey")
        if entry.survey_sent_at is not None:
            raise RuleViolation("This caller has already been sent to the survey.", code="sent")
        redirect = call_services.request_redirect(
            entry.call,
            url=public_url("queues:survey-start", survey_id=survey.pk),
            origin=origin,
            requested_by=requested_by,
            reason=f"survey {survey}",
        )
        entry.survey_sent_at = timezone.now()
        fields = ("survey_sent_at",)
        if entry.status in OPEN_ENTRY_STATUSES:
            _end_by_supervisor(entry, also=fields)
        else:
            entry.save(update_fields=fields)
    return redirect


def record_redirect_sending(redirect: Redirect) -> None:
    """A change a person asked for is going out to the caller's call: their wait ends.

    The entry's own offer (a supervisor taking the caller off hold) is not an
    end, and neither is a redirect of the queue's (overflow, the distributor's
    offers), which ends or moves the entry itself. Sent before Twilio is asked,
    so the caller's hang-up that follows a "Hang up" finds the entry already
    ended; a redirect skipped because the caller had hung up never gets here,
    and that caller abandoned. Repeated sends find the entry ended.
    """
    if redirect.origin not in SUPERVISOR_ORIGINS:
        return
    entries = QueueEntry.objects.filter(
        call_id=redirect.call_id, status__in=OPEN_ENTRY_STATUSES
    ).exclude(offer_redirect=redirect)
    if not entries.exists():
        return
    with transaction.atomic():
        for entry in entries.select_for_update(of=("self",)):
            _end_by_supervisor(entry)


def reopen_after_failed_redirect(redirect: Redirect) -> QueueEntry | None:
    """A person's change that ended a caller's wait failed at Twilio (its target
    could not be fetched): the caller is still on the line, so the wait goes on
    at the same place in line, and the figures count it as one wait.

    Only the wait this kind of redirect ended (`record_redirect_sending`), and
    only one no agent answered.
    """
    if redirect.origin not in SUPERVISOR_ORIGINS:
        return None
    with transaction.atomic():
        entry = (
            QueueEntry.objects.select_for_update(of=("self",))
            .select_related("queue")
            .filter(
                call_id=redirect.call_id,
                status=EntryStatus.ENDED,
                outcome=EntryOutcome.ENDED_BY_SUPERVISOR,
                answered_at__isnull=True,
            )
            .order_by("-ended_at")
            .first()
        )
        if entry is None:
            return None
        entry.status = EntryStatus.WAITING
        entry.outcome = ""
        entry.ended_at = entry.dequeued_at = None
        entry.save(update_fields=["status", "outcome", "ended_at", "dequeued_at"])
        work_queues_after_commit()
    return entry


def _end_by_supervisor(entry: QueueEntry, *, also: tuple[str, ...] = ()) -> None:
    """End a locked open entry; an agent still ringing for the caller is free again.

    A caller already talking to an agent keeps the outcome "connected": their
    wait ended when the agent answered.
    """
    if entry.status == EntryStatus.OFFERED:
        agent_call_ended(entry.agent_id, AgentStatus.AVAILABLE)
    end_entry(entry, EntryOutcome.ENDED_BY_SUPERVISOR, also=also)


def _open_entry(entry: QueueEntry) -> QueueEntry:
    entry = locked_entry(entry.pk)
    if entry.status not in OPEN_ENTRY_STATUSES:
        raise RuleViolation("This caller has left the queue.", code="ended")
    return entry
