"""The dialer's beat tick: start and end campaigns on time, settle ended calls,
and say which dialer loops should run."""

from __future__ import annotations

import contextlib

from django.db.models import Q
from django.utils import timezone

from calls.exceptions import RuleViolation
from calls.models import FINAL_STATUSES

from ..models import Campaign, CampaignState, ContactState
from .lifecycle import transition
from .loops import free_slots, has_due_contacts, resend_stuck_calls
from .outcomes import settle_call


def _move(campaign_id: int, action: str) -> None:
    # Someone may have moved it first (paused, canceled…): their move stands.
    with contextlib.suppress(RuleViolation):
        transition(campaign_id, action)


def settle_ended_calls(campaign: Campaign) -> int:
    """Contacts still `dialing` on a call that has ended (its signal was lost)."""
    ended = list(
        campaign.contacts.filter(
            state=ContactState.DIALING, last_call__status__in=FINAL_STATUSES
        ).values_list("last_call_id", flat=True)
    )
    for call_id in ended:
        settle_call(call_id)
    return len(ended)


def tick() -> list[tuple[int, int]]:
    """One beat of the dialer; returns the (campaign, loop slot) pairs to start."""
    now = timezone.now()
    due = Campaign.objects.filter(state=CampaignState.SCHEDULED).filter(
        Q(starts_at__isnull=True) | Q(starts_at__lte=now)
    )
    for campaign_id in due.values_list("pk", flat=True):
        _move(campaign_id, "begin")
    over = Campaign.objects.filter(
        state__in=[CampaignState.RUNNING, CampaignState.PAUSED], ends_at__lte=now
    )
    for campaign_id in over.values_list("pk", flat=True):
        _move(campaign_id, "complete")
    loops = []
    for campaign in Campaign.objects.filter(state=CampaignState.RUNNING):
        settle_ended_calls(campaign)
        resend_stuck_calls(campaign, now)
        if not campaign.contacts.exclude(state=ContactState.DONE).exists():
            _move(campaign.pk, "complete")
        elif has_due_contacts(campaign, now):
            loops += [(campaign.pk, slot) for slot in free_slots(campaign)]
    return loops
