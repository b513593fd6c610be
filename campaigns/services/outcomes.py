"""What each attempt came to, and whether the contact is called again.

Settled from the core's `call_status_changed` signal when a campaign call
ends (`campaigns.receivers`), and again by the dialer's tick for any end whose signal was lost (a
process killed between commit and signal), so every contact gets its outcome.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from calls.models import FINAL_STATUSES, Call, CallStatus
from queues.selectors import agent_who_talked_to

from ..models import (
    Attempt,
    Campaign,
    CampaignState,
    Contact,
    ContactOutcome,
    ContactState,
    ContentKind,
    RetryReason,
)

RETRY_REASONS = {
    ContactOutcome.BUSY: RetryReason.BUSY,
    ContactOutcome.NO_ANSWER: RetryReason.NO_ANSWER,
    ContactOutcome.FAILED: RetryReason.FAILED,
    ContactOutcome.ANSWERED_MACHINE: RetryReason.MACHINE,
    ContactOutcome.HANGUP_MACHINE: RetryReason.MACHINE,
}
NO_MORE_DIALS = frozenset({CampaignState.COMPLETED, CampaignState.CANCELED})


HUMAN_ANSWERS = frozenset({ContactOutcome.ANSWERED, ContactOutcome.ANSWERED_HUMAN})


def outcome_of(call: Call, campaign: Campaign) -> str:
    """The 2008 DialStatus for an answered call, else the final status itself.

    A person a campaign hands to an agent is counted by what came of their wait
    in the queue: an agent took them, or nobody did (queues' `EntryOutcome`).
    """
    if call.status != CallStatus.COMPLETED:
        return call.status
    outcome = call.outcome or ContactOutcome.ANSWERED
    if campaign.content_kind == ContentKind.AGENT and outcome in HUMAN_ANSWERS:
        agent, _ = agent_who_talked_to(call)
        return ContactOutcome.CONNECTED_TO_AGENT if agent else ContactOutcome.NO_AGENT
    return outcome


def settle_call(call_id: int) -> Contact | None:
    """Record the ended call's outcome on its attempt and contact; schedule a retry
    when the campaign's rule for that outcome allows one more attempt.

    Idempotent: only the contact's current call, still `dialing`, moves it.
    """
    with transaction.atomic():
        attempt = Attempt.objects.filter(call_id=call_id).select_related("call").first()
        if attempt is None or attempt.call.status not in FINAL_STATUSES:
            return None
        contact = (
            Contact.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .get(pk=attempt.contact_id)
        )
        outcome = outcome_of(attempt.call, contact.campaign)
        if attempt.outcome != outcome:
            attempt.outcome = outcome
            attempt.save(update_fields=["outcome"])
        if contact.state != ContactState.DIALING or contact.last_call_id != call_id:
            return contact
        contact.outcome = outcome
        contact.state = ContactState.DONE
        reason = RETRY_REASONS.get(outcome)
        if reason and contact.campaign.state not in NO_MORE_DIALS:
            max_attempts, delay = contact.campaign.retry_rule(reason)
            if contact.attempts < max_attempts:
                contact.state = ContactState.WAITING
                contact.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        contact.save(update_fields=["outcome", "state", "next_attempt_at", "updated_at"])
    return contact
