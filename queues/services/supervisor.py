"""A supervisor's actions on a caller: hang up politely, send to the survey.

Each is a recorded `Redirect` (`calls.services.request_redirect`) with who
asked, committed with the entry's end, so a refused redirect changes nothing.
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
from .common import locked_entry
from .entries import end_entry


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
        if entry.status == EntryStatus.OFFERED:
            agent_call_ended(entry.agent_id, AgentStatus.AVAILABLE)
        end_entry(entry, EntryOutcome.HUNG_UP)
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
        if entry.status == EntryStatus.OFFERED:
            agent_call_ended(entry.agent_id, AgentStatus.AVAILABLE)
        if entry.status in OPEN_ENTRY_STATUSES:
            end_entry(entry, EntryOutcome.HUNG_UP, also=fields)
        else:
            entry.save(update_fields=fields)
    return redirect


def _open_entry(entry: QueueEntry) -> QueueEntry:
    entry = locked_entry(entry.pk)
    if entry.status not in OPEN_ENTRY_STATUSES:
        raise RuleViolation("This caller has left the queue.", code="ended")
    return entry
