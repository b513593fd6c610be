"""Campaign progress: counts by outcome, done %, current rate and ETA."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from .models import Attempt, Campaign, ContactOutcome, ContactState

RATE_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Progress:
    total: int
    waiting: int
    dialing: int
    done: int
    percent_done: float
    outcomes: dict[str, int]
    attempts: int
    calls_per_second: float
    eta_seconds: int | None

    def as_dict(self) -> dict:
        return asdict(self)


def campaign_progress(campaign: Campaign) -> Progress:
    by_state = dict(
        campaign.contacts.order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    by_outcome = dict(
        campaign.contacts.exclude(outcome="")
        .order_by()
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    attempts = Attempt.objects.filter(contact__campaign=campaign)
    since = timezone.now() - timedelta(seconds=RATE_WINDOW_SECONDS)
    recent = attempts.filter(created_at__gte=since).count()
    rate = recent / RATE_WINDOW_SECONDS
    waiting = by_state.get(ContactState.WAITING, 0)
    dialing = by_state.get(ContactState.DIALING, 0)
    done = by_state.get(ContactState.DONE, 0)
    total = waiting + dialing + done
    return Progress(
        total=total,
        waiting=waiting,
        dialing=dialing,
        done=done,
        percent_done=round(100 * done / total, 1) if total else 0.0,
        outcomes={outcome: by_outcome.get(outcome, 0) for outcome in ContactOutcome.values},
        attempts=attempts.count(),
        calls_per_second=round(rate, 3),
        eta_seconds=round(waiting / rate) if rate and waiting else (0 if not waiting else None),
    )
