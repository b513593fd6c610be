"""A call's page: its timeline, its transcript when it ran on voicesim, and the
live board's actions while it is still going."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from calls import telephony
from calls.models import Call
from calls.permissions import CONTROL_CALLS, VIEW_CALLS

from ..permissions import require
from ..selectors.board import available_agents_by_queue, live_row
from ..selectors.timeline import call_timeline
from ..transcripts import fetch_transcript
from .board import actionable


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
            "live": actionable(row, available_agents_by_queue(), can_act) if row else None,
            "can_act": can_act,
            "next_url": request.get_full_path(),
            "simulated": simulated,
            "transcript": fetch_transcript(call.sid) if call.sid and simulated else None,
        }
        return TemplateResponse(request, "console/timeline.html", context)
