"""The live board: a page whose rows refresh themselves from a fragment view, and the
actions its rows post (one URL per call and action, CSRF-protected, POST only)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from calls.exceptions import RuleViolation
from calls.models import Call
from calls.permissions import CONTROL_CALLS, VIEW_CALLS
from conversations.selectors import Controls, controls_for
from queues.models import OPEN_ENTRY_STATUSES, Agent, QueueEntry

from ..actions import ACTIONS, LiveAction, Target, actions_for
from ..outcomes import refusal, settled_redirect
from ..permissions import require
from ..selectors.board import BoardRow, live_board

REFRESH_MILLISECONDS = 2000


@dataclass(frozen=True)
class ActionableRow:
    """A board row and what the user looking at it may do to it (and to its conversation)."""

    row: BoardRow
    actions: list[LiveAction]
    agents: list[Agent]
    conversation: Controls | None = None


def actionable(
    row: BoardRow, agents_by_queue: dict[int, list[Agent]], can_act: bool
) -> ActionableRow:
    if not can_act:
        return ActionableRow(row, [], [])
    agents = agents_by_queue.get(row.entry.queue_id, []) if row.is_waiting else []
    return ActionableRow(row, actions_for(row.entry), agents)


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
            "waiting": [actionable(row, board.available_agents, can_act) for row in board.waiting],
            "in_progress": [
                replace(
                    actionable(row, board.available_agents, can_act),
                    conversation=conversations.get(row.call.pk) if can_act else None,
                )
                for row in board.in_progress
            ],
            "next_url": reverse("admin:console_board", current_app=self.name),
        }

    def call_action_view(self, request: HttpRequest, call_id: int, action: str) -> HttpResponse:
        """Carry out one action on one live call through its service, then go back.

        Refused with 403 for anyone who may not change live calls, whatever they
        posted; a service's refusal (the call has ended, no agent is free)
        comes back as an error message.
        """
        require(request, CONTROL_CALLS)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        live_action = ACTIONS.get(action)
        if live_action is None:
            raise Http404("No such action.")
        call = get_object_or_404(Call, pk=call_id, parent__isnull=True)
        entry = (
            QueueEntry.objects.filter(call=call, status__in=OPEN_ENTRY_STATUSES)
            .select_related("queue")
            .first()
        )
        target = Target(call, entry)
        form = live_action.form(request.POST)
        if not form.is_valid():
            problems = " ".join(str(error) for errors in form.errors.values() for error in errors)
            messages.error(request, f"{live_action.label} {target.name}: {problems}")
        else:
            started = timezone.now()
            try:
                under_way = live_action.perform(target, form.cleaned_data, request.user)
            except RuleViolation as refused:
                messages.error(
                    request, f"{live_action.label} {target.name}: refused. {refused.message}"
                )
            else:
                self._report(request, live_action, target, under_way, started)
        return redirect(self._back(request))

    @staticmethod
    def _report(
        request: HttpRequest, action: LiveAction, target: Target, under_way: str, started
    ) -> None:
        """Say how the action ended if it settles within a moment, else that it is under way."""
        settled = settled_redirect(target.call, request.user, started)
        if settled is None:
            messages.info(request, under_way)
        elif (reason := refusal(settled)) is not None:
            messages.error(request, f"{action.label} {target.name}: {reason}")
        else:
            messages.success(request, f"{action.label} {target.name}: done.")

    def _back(self, request: HttpRequest) -> str:
        """Where the action was taken from (board or call page), if it is one of ours."""
        wanted = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return wanted
        return reverse("admin:console_board", current_app=self.name)
