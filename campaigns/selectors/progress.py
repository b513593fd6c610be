"""Campaign progress: counts by outcome, done %, current rate, ETA, and why it
is not dialing when it is not."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from ..models import Attempt, Campaign, ContactOutcome, ContactState
from .dialing import NotDialing, campaign_dialing

RATE_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Progress:
    """A campaign's progress (its `progress`, its `stats/`): contacts by state and
    outcome, the pace of the last minute, and when it will be done."""

    total: int
    waiting: int
    dialing: int
    done: int
    percent_done: float
    outcomes: dict[str, int] = field(metadata={"help_text": "by outcome"})
    attempts: int
    calls_per_second: float = field(metadata={"help_text": "dialed over the last minute"})
    dialable_now: int = field(metadata={"help_text": "contacts that can be dialed now"})
    eta_seconds: int | None
    not_dialing: NotDialing | None

    def as_dict(self) -> dict:
        return asdict(self)


def eta_seconds(
    dialable_now: int, waiting: int, rate: float, not_dialing: NotDialing | None
) -> int | None:
    """Seconds to dial the contacts that can be dialed now (none left: 0; none
    dialable now, or not dialing: unknown). A retry or a window still to come is
    not counted: nobody can say now when it will have been dialed."""
    if not waiting:
        return 0
    if not_dialing is not None or not dialable_now or not rate:
        return None
    return round(dialable_now / rate)


def campaign_progress(campaign: Campaign, now: datetime | None = None) -> Progress:
    now = now or timezone.now()
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
    since = now - timedelta(seconds=RATE_WINDOW_SECONDS)
    recent = attempts.filter(created_at__gte=since).count()
    measured = recent / RATE_WINDOW_SECONDS
    waiting = by_state.get(ContactState.WAITING, 0)
    dialing = by_state.get(ContactState.DIALING, 0)
    done = by_state.get(ContactState.DONE, 0)
    total = waiting + dialing + done
    now_state = campaign_dialing(campaign, now)
    # Right after a start nothing has been measured yet: the campaign's own pace.
    rate = measured or float(campaign.calls_per_second)
    return Progress(
        total=total,
        waiting=waiting,
        dialing=dialing,
        done=done,
        percent_done=round(100 * done / total, 1) if total else 0.0,
        outcomes={outcome: by_outcome.get(outcome, 0) for outcome in ContactOutcome.values},
        attempts=attempts.count(),
        calls_per_second=round(measured, 3),
        dialable_now=now_state.dialable_now,
        eta_seconds=eta_seconds(now_state.dialable_now, waiting, rate, now_state.not_dialing),
        not_dialing=now_state.not_dialing,
    )
