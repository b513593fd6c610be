"""The admin index as the dashboard: figures and charts for the chosen days."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.template.response import TemplateResponse

from callcenter.formats import NOTHING, counted, duration
from calls.permissions import VIEW_CALLS
from queues import figures
from queues.figures import AGENT_FIGURES, Figure, Waits

from ..forms import PeriodForm
from ..selectors.dashboard import Dashboard, dashboard


@dataclass(frozen=True)
class Tile:
    """One headline figure: its value as shown, what it is made of, and what it means."""

    key: str
    figure: Figure
    value: str
    note: str

    @property
    def label(self) -> str:
        return self.figure.label

    @property
    def help(self) -> str:
        return self.figure.definition


def tiles(board: Dashboard) -> list[Tile]:
    calls, waits, ratings = board.calls, board.all_queues.waits, board.ratings
    return [
        Tile(
            "calls-in",
            figures.CALLS_IN,
            str(calls.calls_in),
            f"{waits.answered} answered by an agent",
        ),
        Tile(
            "calls-out",
            figures.CALLS_OUT,
            str(calls.calls_out),
            f"{calls.answered_out} answered, {calls.people} by a person",
        ),
        Tile(
            "machines",
            figures.MACHINES,
            str(calls.machines),
            f"{counted(calls.messages_left, 'message')} left, {calls.machines_hung_up} hung up on",
        ),
        Tile(
            "speed",
            figures.SPEED_OF_ANSWER,
            _seconds(waits.average_speed_of_answer),
            f"over {counted(waits.answered, 'caller')} answered",
        ),
        Tile(
            "abandoned",
            figures.ABANDONED,
            _percent(waits.abandonment_rate),
            _of_callers(waits.abandoned, waits),
        ),
        Tile(
            "service-level",
            figures.SERVICE_LEVEL,
            _percent(waits.service_level),
            f"{waits.answered_in_time} of {waits.answered + waits.abandoned} "
            "within each queue's target",
        ),
        Tile(
            "overflowed",
            figures.OVERFLOWED,
            str(waits.overflowed),
            _of_callers(waits.overflowed, waits),
        ),
        Tile(
            "ended-by-supervisor",
            figures.ENDED_BY_SUPERVISOR,
            str(waits.ended_by_supervisor),
            _of_callers(waits.ended_by_supervisor, waits),
        ),
        Tile(
            "transferred",
            figures.TRANSFERRED,
            str(waits.transferred),
            f"of {counted(waits.answered, 'caller')} answered",
        ),
        Tile(
            "survey",
            figures.SURVEY_AVERAGE,
            _score(ratings.average),
            counted(ratings.answers, "rating"),
        ),
    ]


@dataclass(frozen=True)
class AgentRow:
    """One agent's line of the "Agents" table, in the order of `figures.AGENT_FIGURES`."""

    name: str
    cells: tuple[str, ...]


def agent_rows(board: Dashboard) -> list[AgentRow]:
    return [
        AgentRow(
            row.name,
            (
                str(row.answered),
                duration(row.talk.total_seconds()),
                duration(row.hold.total_seconds()),
                duration(row.wrap_up.total_seconds()),
            ),
        )
        for row in board.agents
    ]


def _of_callers(count: int, waits: Waits) -> str:
    return f"{count} of {counted(waits.callers, 'caller')}"


def _seconds(value: float | None) -> str:
    return NOTHING if value is None else f"{value:g} s"


def _percent(value: float | None) -> str:
    return NOTHING if value is None else f"{value:.0%}"


def _score(value: float | None) -> str:
    return NOTHING if value is None else f"{value:g} / 5"


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
                context.update(
                    dashboard=figures,
                    tiles=tiles(figures),
                    agent_rows=agent_rows(figures),
                    agent_figures=AGENT_FIGURES,
                )
        response = super().index(request, context)
        if form is not None and form.is_bound and not form.is_valid():
            response.status_code = 400
        return response
