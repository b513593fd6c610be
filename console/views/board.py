"""The live board: a page whose rows refresh themselves from a fragment view, and the
actions it posts (one URL per call and action, per agent and sign-in or sign-out,
per scheduled change to cancel; CSRF-protected, POST only).

Hanging up and redirecting are asked once more first: the board's dialog posts
them `confirmed`; anything else (a page without scripts) gets the confirmation
as a page of its own. Every message names the call by its parties and says when.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from callcenter.formats import time_of_day
from calls import services as call_services
from calls.exceptions import RuleViolation
from calls.models import Call, Redirect, RedirectState
from calls.permissions import CONTROL_CALLS, VIEW_CALLS
from calls.presenters import attach_context, call_phrase, change_name, when_due
from conversations.selectors import Controls, controls_for
from queues import services as queue_services
from queues.models import OPEN_ENTRY_STATUSES, Agent, AgentStatus, QueueEntry
from queues.permissions import CHANGE_AGENTS

from ..actions import ACTIONS, LiveAction, RowAction, Taken, Target, actions_for
from ..outcomes import refusal, settled_redirect
from ..permissions import require
from ..selectors.board import BoardRow, live_board

# The board's sign-in and sign-out: the status each sets, and how its message says it.
AGENT_CHANGES = {
    "sign-in": (
        AgentStatus.AVAILABLE,
        "sign in",
        "Signed in {agent} at {at}: available for callers.",
    ),
    "sign-out": (AgentStatus.OFFLINE, "sign out", "Signed out {agent} at {at}."),
}

REFRESH_MILLISECONDS = 2000


@dataclass(frozen=True)
class ActionableRow:
    """A board row and what the user looking at it may do to it; its live conversation
    shows to anyone who may see the board, its buttons only to those who may ask them."""

    row: BoardRow
    actions: list[RowAction]
    agents: list[Agent]
    conversation: Controls | None = None


def actionable(
    row: BoardRow, agents_by_queue: dict[int, list[Agent]], can_act: bool
) -> ActionableRow:
    if not can_act:
        return ActionableRow(row, [], [])
    agents = agents_by_queue.get(row.entry.queue_id, []) if row.is_waiting else []
    return ActionableRow(row, actions_for(Target(row.call, row.entry)), agents)


class LiveBoardViews:
    def board_view(self, request: HttpRequest) -> TemplateResponse:
        require(request, VIEW_CALLS)
        context = {
            **self.each_context(request),
            "title": "Live board",
            "refresh_ms": REFRESH_MILLISECONDS,
            **self._board_context(request),
        }
        return TemplateResponse(request, "console/board.html", context)

    def board_rows_view(self, request: HttpRequest) -> TemplateResponse:
        """The board's rows alone, fetched by the page every couple of seconds
        (`admin_view` marks it never cached)."""
        require(request, VIEW_CALLS)
        return TemplateResponse(request, "console/board_rows.html", self._board_context(request))

    def _board_context(self, request: HttpRequest) -> dict:
        board = live_board()
        can_act = request.user.has_perm(CONTROL_CALLS)
        conversations = controls_for([row.call.pk for row in board.in_progress], request.user)
        return {
            "board": board,
            "can_act": can_act,
            "can_change_agents": request.user.has_perm(CHANGE_AGENTS),
            "waiting": [actionable(row, board.available_agents, can_act) for row in board.waiting],
            "in_progress": [
                replace(
                    actionable(row, board.available_agents, can_act),
                    conversation=conversations.get(row.call.pk),
                )
                for row in board.in_progress
            ],
            "next_url": reverse("admin:console_board", current_app=self.name),
        }

    def call_action_view(self, request: HttpRequest, call_id: int, action: str) -> HttpResponse:
        """Carry out one action on one live call through its service, then go back.

        Refused with 403 for anyone who may not change live calls, whatever they
        posted; a service's refusal (the call has ended, no agent is free)
        comes back as an error message. An action that asks for confirmation and
        was posted without it is answered with the confirmation page.
        """
        require(request, CONTROL_CALLS)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        live_action = ACTIONS.get(action)
        if live_action is None:
            raise Http404("No such action.")
        call = get_object_or_404(
            Call.objects.select_related("parent"), pk=call_id, parent__isnull=True
        )
        attach_context([call])  # its messages name its parties
        entry = (
            QueueEntry.objects.filter(call=call, status__in=OPEN_ENTRY_STATUSES)
            .select_related("queue", "agent")
            .first()
        )
        target = Target(call, entry)
        if live_action.confirm and request.POST.get("confirmed") != "yes":
            return self._confirmation(request, live_action, target)
        form = live_action.form(request.POST)
        if not form.is_valid():
            problems = " ".join(str(error) for errors in form.errors.values() for error in errors)
            messages.error(request, f"{live_action.label} {target.name}: {problems}")
            return redirect(self._back(request))
        started = timezone.now()
        try:
            taken = live_action.perform(target, form, request.user)
        except RuleViolation as refused:
            why = refused.message
            messages.error(request, f"{live_action.label} {target.name}: refused. {why}")
        else:
            self._report(request, live_action, target, taken, started)
        return redirect(self._back(request))

    def _confirmation(
        self, request: HttpRequest, action: LiveAction, target: Target
    ) -> TemplateResponse:
        """The question the board's dialog asks, as an admin page of its own."""
        choice = RowAction(action, target, action.form(initial=request.POST.dict()))
        context = {
            **self.each_context(request),
            "title": choice.question,
            "choice": choice,
            "call": target.call,
            "next_url": self._back(request),
        }
        return TemplateResponse(request, "console/confirm_action.html", context)

    @staticmethod
    def _report(
        request: HttpRequest, action: LiveAction, target: Target, taken: Taken, started
    ) -> None:
        """Say what was done to whom and when: done (or how it fell through) if it
        settles within a moment, when it will happen if scheduled, else that it is
        under way."""
        words = {"call": target.name, **taken.words}
        if taken.redirect.state == RedirectState.SCHEDULED:
            will = action.will.format(**words)
            messages.info(request, f"{will} {when_due(taken.redirect)}.")
            return
        settled = settled_redirect(target.call, request.user, started)
        if settled is None:
            doing = action.doing.format(**words)
            messages.info(request, f"{doing} (asked at {time_of_day(started)}).")
        elif (reason := refusal(settled)) is not None:
            messages.error(request, f"{action.label} {target.name}: {reason}")
        else:
            done = action.done.format(**words)
            messages.success(request, f"{done} at {time_of_day(settled.finished_at or started)}.")

    def scheduled_cancel_view(self, request: HttpRequest, redirect_id: int) -> HttpResponse:
        """Withdraw a change scheduled on a live call before it happens."""
        require(request, CONTROL_CALLS)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        scheduled = get_object_or_404(Redirect.objects.select_related("call"), pk=redirect_id)
        attach_context([scheduled.call])
        what = f"{change_name(scheduled)} of {call_phrase(scheduled.call)}"
        try:
            call_services.cancel_redirect(scheduled, requested_by=request.user)
        except RuleViolation as refused:
            messages.error(request, f"Could not cancel {what}: {refused.message}")
        else:
            messages.success(request, f"Canceled {what} that was to happen {when_due(scheduled)}.")
        return redirect(self._back(request))

    def agent_status_view(self, request: HttpRequest, agent_id: int, change: str) -> HttpResponse:
        """Sign an agent in or out from the board, through the agents' service."""
        require(request, CHANGE_AGENTS)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if change not in AGENT_CHANGES:
            raise Http404("No such change.")
        status, verb, done = AGENT_CHANGES[change]
        agent = get_object_or_404(Agent, pk=agent_id)
        try:
            agent = queue_services.set_agent_status(agent, status)
        except RuleViolation as refused:
            messages.error(request, f"Could not {verb} {agent}: {refused.message}")
        else:
            at = time_of_day(agent.status_changed_at or timezone.now())
            messages.success(request, done.format(agent=agent, at=at))
        return redirect(self._back(request))

    def _back(self, request: HttpRequest) -> str:
        """Where the action was taken from (board or call page), if it is one of ours."""
        wanted = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return wanted
        return reverse("admin:console_board", current_app=self.name)
