"""The console in headless Chromium against the running product (live server, Celery
worker with beat, voicesim): the board updates itself, a supervisor takes a caller
off hold, a viewer can only watch, and the dashboard charts the calls made here.

Screenshots of the board and the dashboard are saved under artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from calls.models import Call, Redirect, Source
from queues import services
from queues.models import Agent, AgentStatus, EndpointKind, Queue, SurveyResponse
from tests.api.records import member_of
from tests.console.board_page import open_board, still_same_page
from tests.queues.test_e2e import call_in, said_on
from tests.support.processes import wait_until
from tests.support.voicesim import VoiceSim

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

CALLER = "+14155550161"
CALLER_SHOWN = "+1 415-555-0161"


@pytest.fixture
def ann(support: Queue) -> Agent:
    agent = Agent.objects.create(
        name="Ann", endpoint_kind=EndpointKind.NUMBER, endpoint="+14155550123", wrap_up_seconds=600
    )
    agent.queues.add(support)
    services.set_agent_status(agent, AgentStatus.AVAILABLE)
    return agent


def watch_a_caller_arrive(page: Page, stack: VoiceSim, live_server) -> tuple[str, Locator]:
    """Open the board, let a caller dial in, and see them appear on hold without a reload."""
    open_board(page, live_server)
    sid, _ = call_in(stack, CALLER)
    row = page.locator("#waiting-callers tr", has_text=CALLER_SHOWN)
    expect(row).to_contain_text("On hold in Support")
    assert still_same_page(page)
    return sid, row


def test_a_supervisor_takes_a_waiting_caller_off_hold_and_the_dashboard_charts_it(
    stack: VoiceSim,
    support,
    ann,
    open_page,
    live_server,
    artifacts_dir: Path,
    settings,
):
    settings.CONSOLE_ACTION_WAIT_SECONDS = 5  # a real worker answers: the message says how
    supervisor = member_of("Supervisors", staff=True)
    page = open_page(supervisor)
    sid, row = watch_a_caller_arrive(page, stack, live_server)
    page.screenshot(path=artifacts_dir / "console-board-waiting.png", full_page=True)

    # By keyboard: the board holds still while focus is in a row's form.
    agent = row.get_by_label(f"Agent for {CALLER_SHOWN}")
    agent.focus()
    agent.select_option(label="Ann")
    page.keyboard.press("Tab")
    expect(row.get_by_role("button", name="Take off hold")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".messagelist")).to_contain_text(
        "Put the call from +1 415-555-0161 through to Ann at "
    )
    open_board(page, live_server)
    talking = page.locator("#calls-in-progress tr", has_text=CALLER_SHOWN)
    expect(talking).to_contain_text("Talking to Ann")
    assert still_same_page(page)
    page.screenshot(path=artifacts_dir / "console-board-connected.png", full_page=True)
    redirect = Redirect.objects.get(call__sid=sid, reason="off hold to Ann")
    assert (redirect.requested_by, redirect.origin) == (supervisor, Source.ADMIN)

    # Ann hangs up; the caller rates her 4 and the call ends.
    leg = wait_until(lambda: Redirect.objects.get(pk=redirect.pk).call.legs.first())
    stack.sim("POST", f"calls/{leg.sid}/hangup")
    wait_until(lambda: "Rate your agent. Press a key from 1 to 5." in said_on(stack, sid))
    stack.sim("POST", f"calls/{sid}/digits", json={"digits": "4"})
    wait_until(lambda: SurveyResponse.objects.filter(call__sid=sid).exists())

    page.goto(f"{live_server.url}{reverse('admin:index')}")
    page.wait_for_function("() => Chart.getChart(document.getElementById('chart-agents'))")
    figures = page.locator("#dashboard-figures")
    expect(figures.locator("[data-figure=calls-in]")).to_contain_text("1")
    expect(figures.locator("[data-figure=survey]")).to_contain_text("4 / 5")
    drawn = page.evaluate(
        """() => Object.fromEntries(["calls", "waits", "agents"].map((key) => {
            const chart = Chart.getChart(document.getElementById("chart-" + key));
            return [key, {
                labels: chart.data.labels,
                totals: Object.fromEntries(chart.data.datasets.map(
                    (set) => [set.key, set.data.reduce((a, b) => a + b, 0)])),
            }];
        }))"""
    )
    assert drawn["calls"]["totals"]["answered"] == 1
    assert sum(drawn["calls"]["totals"].values()) == 1
    assert drawn["waits"]["totals"]["connected"] == 1
    assert drawn["agents"] == {"labels": ["Ann"], "totals": {"average": 4}}
    page.screenshot(path=artifacts_dir / "console-dashboard.png", full_page=True)

    page.goto(f"{live_server.url}{reverse('admin:console_call_timeline', args=[redirect.call_id])}")
    expect(page.locator("#call-timeline")).to_contain_text("Ann answered")
    expect(page.locator("#transcript")).to_contain_text("Rate your agent.")


def test_a_viewer_watches_the_board_without_actions_and_a_forged_post_is_refused(
    stack: VoiceSim,
    support,
    open_page,
    live_server,
):
    page = open_page(member_of("Viewers", staff=True))
    sid, _ = watch_a_caller_arrive(page, stack, live_server)
    call = Call.objects.get(sid=sid)
    expect(page.locator("#live-board button, #live-board select, #live-board form")).to_have_count(
        0
    )

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    action = reverse("admin:console_call_action", args=[call.pk, "hang-up"])
    forged = page.request.post(
        f"{live_server.url}{action}",
        form={"csrfmiddlewaretoken": token},
        headers={"Referer": page.url, "X-CSRFToken": token},
    )
    assert forged.status == 403
    assert "Only Supervisors act on live calls" in forged.text()
    assert not Redirect.objects.filter(call=call).exists()
    stack.sim("POST", f"calls/{sid}/hangup")
