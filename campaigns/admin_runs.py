"""Start, pause, resume and cancel from the admin: the changelist's actions and
the campaign page's buttons both come here, so both obey the same permission,
call the same services and say the same thing about what was done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.http import HttpRequest

from calls.exceptions import RuleViolation

from .models import Campaign, CampaignState
from .permissions import RUN_CAMPAIGNS
from .selectors import campaign_dialing
from .services import lifecycle


@dataclass(frozen=True)
class Run:
    action: str
    label: str
    done: str
    service: Callable[[int], Campaign]
    asks_first: bool = False


RUNS = {
    run.action: run
    for run in (
        Run("start", "Start", "Started", lifecycle.start),
        Run("pause", "Pause", "Paused", lifecycle.pause),
        Run("resume", "Resume", "Resumed", lifecycle.resume),
        Run("cancel", "Cancel campaign", "Canceled", lifecycle.cancel, asks_first=True),
    )
}


def may_run(request: HttpRequest) -> bool:
    return request.user.has_perm(RUN_CAMPAIGNS)


def runs_for(state: str) -> list[str]:
    """The moves a campaign in `state` can make, in the lifecycle's own terms."""
    return [action for action in RUNS if state in lifecycle.TRANSITIONS[action][0]]


def run_and_report(
    model_admin: ModelAdmin, request: HttpRequest, campaign: Campaign, action: str
) -> None:
    """Run `action` on `campaign` through its service and say what became of it."""
    run = RUNS[action]
    try:
        run.service(campaign.pk)
    except RuleViolation as error:
        model_admin.message_user(
            request, f"“{campaign}” was not {run.done.lower()}: {error.message}", messages.ERROR
        )
        return
    model_admin.message_user(request, f"{run.done} the campaign “{campaign}”.", messages.SUCCESS)
    campaign.refresh_from_db()
    reason = campaign_dialing(campaign).not_dialing
    if campaign.state in (CampaignState.RUNNING, CampaignState.SCHEDULED) and reason:
        model_admin.message_user(
            request, f"“{campaign}” is not dialing now: {reason.message}", messages.WARNING
        )
