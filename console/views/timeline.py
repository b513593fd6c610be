"""A call's page: its timeline, its transcript when it ran on voicesim, and while it
is still going what its board row shows: the board's actions, its live conversation
(who is in the room, and the buttons the user may press) and its recording."""

from __future__ import annotations

from dataclasses import replace

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from calls import telephony
from calls.models import Call
from calls.permissions import CONTROL_CALLS, VIEW_CALLS
from conversations.selectors import controls_for

from ..permissions import require
from ..selectors.board import BoardRow, available_agents_by_queue, live_row
from ..selectors.timeline import call_timeline
from ..transcripts import fetch_transcript
from .board import ActionableRow, actionable


class TimelineViews:
    def timeline_view(self, request: HttpRequest, call_id: int) -> TemplateResponse:
        require(request, VIEW_CALLS)
        call = get_object_or_404(Call.objects.select_related("parent", "created_by"), pk=call_id)
        row = live_row(call)
        can_act = request.user.has_perm(CONTROL_CALLS)
        simulated = telephony.runs_on_simulator()
        timeline = call_timeline(call)  # first: it names the call's parties
        context = {
            **self.each_context(request),
            "title": f"Call {call}",
            "opts": Call._meta,
            "timeline": timeline,
            "live": self._live(request, row, can_act) if row else None,
            "can_act": can_act,
            "next_url": request.get_full_path(),
            "simulated": simulated,
            "transcript": fetch_transcript(call.sid) if call.sid and simulated else None,
        }
        return TemplateResponse(request, "console/timeline.html", context)

    @staticmethod
    def _live(request: HttpRequest, row: BoardRow, can_act: bool) -> ActionableRow:
        """The call as its board row shows it, with its live conversation: who is in
        the room for anyone who may see the call, the buttons for those who may ask."""
        conversation = controls_for([row.call.pk], request.user).get(row.call.pk)
        actions = actionable(row, available_agents_by_queue(), can_act)
        return replace(actions, conversation=conversation)
