"""Each figure means the same wherever it is shown: under its dashboard tile, in the
figures API's schema and in the README, all from `queues.figures`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from queues import figures

pytestmark = [pytest.mark.django_db]

README = Path(__file__).resolve().parents[2] / "README.md"


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize(
    "figure", figures.FIGURES + figures.AGENT_FIGURES, ids=lambda figure: figure.label
)
def test_the_readme_lists_the_figure_as_defined(figure):
    assert f"**{figure.label}**: {figure.definition}" in one_line(README.read_text())


def test_each_tile_says_what_its_figure_means(supervisor):
    response = supervisor.get(reverse("admin:index"))

    page = response.content.decode()
    shown = {tile.figure for tile in response.context["tiles"]}
    assert shown == set(figures.FIGURES) - {figures.CALLERS, figures.ANSWERED}
    for figure in shown:
        assert f'<span class="figure-help">{escape(figure.definition)}</span>' in page


def test_the_agents_table_says_what_each_column_means(supervisor):
    page = supervisor.get(reverse("admin:index")).content.decode()

    for figure in figures.AGENT_FIGURES:
        assert f'<th scope="col" title="{escape(figure.definition)}">{figure.label}</th>' in page
        assert f'<span class="figure-help">{escape(figure.definition)}</span>' in page


def test_the_api_describes_each_figure_with_its_definition():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    fields = schema["components"]["schemas"]["DayFigures"]["properties"]
    described = {name: field.get("description", "") for name, field in fields.items()}
    for name, figure in {
        "entries": figures.CALLERS,
        "answered": figures.ANSWERED,
        "abandoned": figures.ABANDONED,
        "abandonment_rate": figures.ABANDONED,
        "overflowed": figures.OVERFLOWED,
        "ended_by_supervisor": figures.ENDED_BY_SUPERVISOR,
        "transferred": figures.TRANSFERRED,
        "average_speed_of_answer": figures.SPEED_OF_ANSWER,
        "service_level": figures.SERVICE_LEVEL,
        "answered_within_service_level": figures.SERVICE_LEVEL,
        "survey_average": figures.SURVEY_AVERAGE,
        "survey_answers": figures.SURVEY_AVERAGE,
    }.items():
        assert described[name].startswith(figure.definition), name


def test_the_api_describes_each_agent_figure_with_its_definition():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    fields = schema["components"]["schemas"]["AgentFigures"]["properties"]
    for name, figure in {
        "calls_answered": figures.CALLS_TAKEN,
        "talk_seconds": figures.TALK_TIME,
        "hold_seconds": figures.HOLD_TIME,
        "wrap_up_seconds": figures.WRAP_UP_TIME,
    }.items():
        assert fields[name]["description"].startswith(figure.definition), name
