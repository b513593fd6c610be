"""Whether a campaign dials now and, when it does not, why: one answer for its
admin page, the changelist, the stats API and the message after a start.

The reasons follow the dialer's own checks (`services.dialer`), in its order:
the campaign's state, its end time, contacts left, contacts due inside their
calling window, then the concurrency cap. Times are written as everywhere in the
back office (`callcenter.formats.moment`, in its time zone); a calling window opens
in its contacts' zone, so that one is written in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count, Min, Q
from django.utils import timezone

from callcenter.formats import moment

from ..models import Campaign, CampaignState, ContactState
from ..windows import next_opening, open_zones, zone_name


@dataclass(frozen=True)
class NotDialing:
    """Why nobody is dialed now; `next_at` (and its `zone`) says when that may change."""

    code: str
    message: str
    next_at: datetime | None = None
    zone: str = ""


@dataclass(frozen=True)
class Dialing:
    dialable_now: int
    not_dialing: NotDialing | None


def _in_zones(value: datetime, zone: str) -> str:
    """ "1 Dec 09:00 in America/New_York (1 Dec 14:00 UTC)": the contacts' time, then
    the back office's, each zone named as the two may differ."""
    here = timezone.get_current_timezone_name()
    in_zone = f"{moment(value, zone)} in {zone}"
    return in_zone if zone == here else f"{in_zone} ({moment(value)} {here})"


STATE_REASONS = {
    CampaignState.DRAFT: "Not started yet: start it to dial.",
    CampaignState.PAUSED: "Paused: no new calls until it is resumed.",
    CampaignState.COMPLETED: "Completed: nothing left to dial.",
    CampaignState.CANCELED: "Canceled: it dials no more.",
}


def _by_state(campaign: Campaign) -> NotDialing | None:
    if campaign.state in STATE_REASONS:
        return NotDialing(campaign.state, STATE_REASONS[campaign.state])
    if campaign.state == CampaignState.SCHEDULED:
        return NotDialing(
            "scheduled",
            f"Scheduled: it starts {moment(campaign.starts_at)}."
            if campaign.starts_at
            else "Scheduled: it starts on the dialer's next tick.",
            next_at=campaign.starts_at,
        )
    return None


def _next_chance(
    campaign: Campaign, first_due_by_zone: dict[str, datetime], now: datetime
) -> NotDialing | None:
    """When the next waiting contact may be dialed, and whether its window or
    its retry wait is what holds it back (None: one is due and open now)."""
    chances = []
    for zone, first_due in first_due_by_zone.items():
        due = max(now, first_due)
        chances.append((next_opening(campaign, zone, due), due, zone_name(campaign, zone)))
    opens, due, zone = min(chances)
    if opens <= now:
        return None
    if opens > due:
        return NotDialing(
            "outside-window",
            "No contact is inside its calling window; the next window opens "
            f"{_in_zones(opens, zone)}.",
            next_at=opens.astimezone(UTC),
            zone=zone,
        )
    return NotDialing(
        "waiting-for-retries",
        f"Waiting for retries: the next is due {moment(due)}.",
        next_at=due,
    )


def campaign_dialing(campaign: Campaign, now: datetime | None = None) -> Dialing:
    """How many contacts could be dialed now, and why none is when none is."""
    now = now or timezone.now()
    waiting = campaign.contacts.filter(state=ContactState.WAITING)
    first_due_by_zone = dict(
        waiting.exclude(next_attempt_at=None)
        .order_by()
        .values_list("time_zone")
        .annotate(first=Min("next_attempt_at"))
        .values_list("time_zone", "first")
    )
    counts = campaign.contacts.aggregate(
        waiting=Count("id", filter=Q(state=ContactState.WAITING)),
        live=Count("id", filter=Q(state=ContactState.DIALING)),
    )
    dialable = waiting.filter(
        next_attempt_at__lte=now, time_zone__in=open_zones(campaign, first_due_by_zone, now)
    ).count()
    reason = _by_state(campaign)
    if reason is None and campaign.ends_at and now >= campaign.ends_at:
        reason = NotDialing("ended", f"Its end time, {moment(campaign.ends_at)}, has passed.")
    if reason is None and not counts["waiting"]:
        under_way = f"; {counts['live']} calls are still under way" if counts["live"] else ""
        reason = NotDialing("nothing-left", f"Nothing left to dial{under_way}.")
    if reason is None and not dialable and first_due_by_zone:
        reason = _next_chance(campaign, first_due_by_zone, now)
    if reason is None and dialable and counts["live"] >= campaign.max_concurrent_calls:
        reason = NotDialing(
            "at-capacity",
            f"All {campaign.max_concurrent_calls} lines of its concurrency cap are busy; "
            "the next call starts when one ends.",
        )
    return Dialing(dialable, reason)
