"""What the campaign page shows of a campaign's progress, in words: drawn once
with the page and then fetched as JSON every few seconds by its script, so the
figures, the outcomes and the reason it is not dialing stay current."""

from __future__ import annotations

from django.utils import timezone

from callcenter.formats import clock, counted, duration

from .admin_runs import runs_for
from .models import Campaign, CampaignState, ContactOutcome
from .selectors import Progress, campaign_progress

OUTCOME_LABELS = dict(ContactOutcome.choices)


def _now(progress: Progress) -> str:
    if progress.not_dialing:
        return f"Not dialing: {progress.not_dialing.message}"
    return f"Dialing: {counted(progress.dialable_now, 'contact')} can be dialed now."


def _eta(progress: Progress) -> str:
    if not progress.waiting:
        return "Nothing left to dial."
    if progress.not_dialing:
        return "Not known while it is not dialing."
    if progress.eta_seconds is None:
        return "Not known: nobody can be dialed now."
    return f"{duration(progress.eta_seconds)} for the contacts that can be dialed now."


def campaign_status(campaign: Campaign) -> dict:
    progress = campaign_progress(campaign)
    return {
        "state": campaign.state,
        "state_label": CampaignState(campaign.state).label,
        "percent_done": progress.percent_done,
        "done": progress.done,
        "total": progress.total,
        "summary": (
            f"{progress.done} of {counted(progress.total, 'contact')} done; "
            f"{progress.dialing} on the phone, {progress.waiting} waiting"
        ),
        "rate": (
            f"{progress.calls_per_second:g} calls/s over the last minute; "
            f"{counted(progress.attempts, 'attempt')} in all"
        ),
        "now": _now(progress),
        "eta": _eta(progress),
        "outcomes": [
            {"outcome": outcome, "label": OUTCOME_LABELS[outcome], "count": count}
            for outcome, count in progress.outcomes.items()
            if count
        ],
        "actions": runs_for(campaign.state),
        # When these figures were read, as the back office writes a time of day.
        "at": clock(timezone.now()),
    }
