"""The admin index as the dashboard: figures and charts for the chosen days."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse

from calls.permissions import VIEW_CALLS

from ..forms import PeriodForm
from ..selectors.dashboard import Dashboard, dashboard


@dataclass(frozen=True)
class Tile:
    """One headline figure: what it is, its value as shown, and what it is made of."""

    key: str
    label: str
    value: str
    note: str


def tiles(board: Dashboard) -> list[Tile]:
    calls, queues = board.calls, board.all_queues
    return [
        Tile(
            "calls-in", "Calls in", str(calls.calls_in), f"{queues.answered} answered by an agent"
        ),
        Tile(
            "calls-out",
            "Calls out",
            str(calls.calls_out),
            f"{calls.answered_out} answered, {calls.people} by a person",
        ),
        Tile(
            "machines",
            "Answering machines",
            str(calls.machines),
            f"{calls.messages_left} message{pluralize(calls.messages_left)} left, "
            f"{calls.machines_hung_up} hung up on",
        ),
        Tile(
            "speed",
            "Average speed of answer",
            _seconds(queues.average_speed_of_answer),
            f"over {queues.answered} caller{pluralize(queues.answered)} answered",
        ),
        Tile(
            "abandoned",
            "Abandoned",
            _percent(queues.abandonment_rate),
            f"{queues.abandoned} of {queues.entries} caller{pluralize(queues.entries)}",
        ),
        Tile(
            "service-level",
            "Service level",
            _percent(queues.service_level),
            "answered within each queue's target",
        ),
        Tile(
            "survey",
            "Survey average",
            _score(board.survey_average),
            f"{board.survey_answers} rating{pluralize(board.survey_answers)}",
        ),
    ]


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:g} s"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:g} / 5"


class DashboardViews:
    """Puts the dashboard above the app list of the admin index, for those who may
    see calls; an invalid choice of days is answered 400 with the form's errors."""

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        context = dict(extra_context or {})
        form = None
        if request.user.has_perm(VIEW_CALLS):
            form = PeriodForm(request.GET or None)
            context["period_form"] = form
            if not form.is_bound or form.is_valid():
                figures = dashboard(form.period())
                context.update(dashboard=figures, tiles=tiles(figures))
        response = super().index(request, context)
        if form is not None and form.is_bound and not form.is_valid():
            response.status_code = 400
        return response
