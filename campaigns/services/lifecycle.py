"""A campaign's settings and its states: draft → scheduled → running ⇄ paused →
completed or canceled, and no other move."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from calls.exceptions import RuleViolation

from .. import rules
from ..models import Campaign, CampaignState, ContactOutcome, ContactState, RetryReason

State = CampaignState
# action: (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "start": (frozenset({State.DRAFT}), State.SCHEDULED),
    "begin": (frozenset({State.SCHEDULED}), State.RUNNING),
    "pause": (frozenset({State.RUNNING}), State.PAUSED),
    "resume": (frozenset({State.PAUSED}), State.RUNNING),
    "complete": (frozenset({State.RUNNING, State.PAUSED}), State.COMPLETED),
    "cancel": (frozenset({State.SCHEDULED, State.RUNNING, State.PAUSED}), State.CANCELED),
}
FINAL_STATES = frozenset({State.COMPLETED, State.CANCELED})
EDITABLE_FIELDS = frozenset(
    field.name
    for field in Campaign._meta.concrete_fields
    if field.editable
    and field.name
    not in {"id", "state", "created_by", "created_at", "updated_at", "started_at", "finished_at"}
)


PAST_TENSE = {
    "start": "started",
    "begin": "begun",
    "pause": "paused",
    "resume": "resumed",
    "complete": "completed",
    "cancel": "canceled",
}


class IllegalTransition(RuleViolation):
    def __init__(self, campaign: Campaign, action: str):
        allowed = " or ".join(sorted(TRANSITIONS[action][0]))
        super().__init__(
            f"Cannot {action} a campaign that is {campaign.state}; only a campaign that is "
            f"{allowed} can be {PAST_TENSE[action]}.",
            field="state",
            code="illegal_transition",
        )


def checked_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise RuleViolation(f"Unknown campaign fields: {', '.join(sorted(unknown))}.")
    for reason in RetryReason:
        name = f"{reason.value.replace('-', '_')}_max_attempts"
        if name in fields and int(fields[name]) < 1:
            raise RuleViolation("Every contact gets at least one attempt.", field=name)
    return rules.campaign_fields(fields)


def create_campaign(*, created_by=None, **fields: Any) -> Campaign:
    """A draft campaign; every unset field takes the model's default."""
    defaults = {
        field.name: field.get_default()
        for field in Campaign._meta.concrete_fields
        if field.name in EDITABLE_FIELDS
    }
    defaults["survey"] = defaults["queue"] = None
    cleaned = checked_fields({**defaults, **fields})
    campaign = Campaign(**cleaned, created_by=created_by)
    _save_named(campaign)
    return campaign


def _save_named(campaign: Campaign) -> None:
    """Save, refusing a name another campaign has (checked by the database's
    unique index, so two requests at once cannot both take it)."""
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError as exc:
        raise RuleViolation(
            f"A campaign named {campaign.name!r} exists already; campaign names are unique.",
            field="name",
            code="name_taken",
        ) from exc


def ensure_not_final(campaign: Campaign, refusal: str, *, field: str) -> None:
    if campaign.state in FINAL_STATES:
        raise RuleViolation(
            f"The campaign is {campaign.state}; {refusal}", field=field, code="campaign_final"
        )


def update_campaign(campaign_id: int, **changes: Any) -> Campaign:
    """Change settings; pacing and windows apply to the next dial even while running."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        ensure_not_final(campaign, "its settings can no longer change.", field="state")
        current = {name: getattr(campaign, name) for name in EDITABLE_FIELDS}
        cleaned = checked_fields({**current, **changes})
        for name, value in cleaned.items():
            setattr(campaign, name, value)
        _save_named(campaign)
    return campaign


def transition(campaign_id: int, action: str) -> Campaign:
    """Move the campaign by `action`, or IllegalTransition and nothing changes.

    The row lock makes a pause wait for a dial in flight and every later dial
    see the new state: pausing stops new dials at once.
    """
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        sources, target = TRANSITIONS[action]
        if campaign.state not in sources:
            raise IllegalTransition(campaign, action)
        if action == "start" and not campaign.contacts.filter(state=ContactState.WAITING).exists():
            raise RuleViolation(
                "The campaign has no contacts waiting to be called; import contacts first.",
                field="contacts",
                code="no_contacts",
            )
        now = timezone.now()
        campaign.state = target
        if target == State.RUNNING and campaign.started_at is None:
            campaign.started_at = now
        if target in FINAL_STATES:
            campaign.finished_at = now
        if target == State.CANCELED:
            campaign.contacts.filter(state=ContactState.WAITING).update(
                state=ContactState.DONE, outcome=ContactOutcome.CANCELED, updated_at=now
            )
        campaign.save(update_fields=["state", "started_at", "finished_at", "updated_at"])
        if action == "start" and is_due(campaign, now):
            return transition(campaign_id, "begin")
    return campaign


def delete_campaign(campaign_id: int) -> None:
    """Only a draft goes away; a campaign that has dialed keeps its record."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.state != State.DRAFT:
            raise RuleViolation(
                f"Only a draft campaign can be deleted; this one is {campaign.state}. "
                "Cancel it instead.",
                field="state",
                code="not_draft",
            )
        campaign.delete()


def is_due(campaign: Campaign, now) -> bool:
    return campaign.starts_at is None or campaign.starts_at <= now


def start(campaign_id: int) -> Campaign:
    """Schedule the campaign; it runs at once when it has no start time or that has passed."""
    return transition(campaign_id, "start")


def pause(campaign_id: int) -> Campaign:
    return transition(campaign_id, "pause")


def resume(campaign_id: int) -> Campaign:
    return transition(campaign_id, "resume")


def cancel(campaign_id: int) -> Campaign:
    """No more dials; contacts not dialed yet end `canceled`, calls under way go on."""
    return transition(campaign_id, "cancel")
