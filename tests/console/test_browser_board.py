"""The live board's agents and safe actions in headless Chromium, against the running
product (live server, Celery worker with beat, voicesim): an agent followed through
every state, signed in and out from the board; a hang-up that asks first.

Screenshots of the board are saved under artifacts/ (board-agent-*.png,
board-confirm-hang-up.png).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, expect

from calls.models import CallStatus, Redirect
from queues import services
from queues.models import Agent, AgentStatus, EndpointKind, Queue, QueueEntry
from tests.api.records import member_of
from tests.console.board_page import open_board, still_same_page
from tests.queues.test_e2e import call_in
from tests.support.processes import wait_until
from tests.support.voicesim import VoiceSim

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

CALLER = "+14155550171"
CALLER_SHOWN = "+1 415-555-0171"
ANNS_PHONE = "+14155550172"
# voicesim's seconds (ten to one of ours): Ann's phone rings this long before she picks
# up, long enough for the board to show it ringing on a couple of refreshes.
ANN_PICKS_UP_AFTER = 100
WRAP_UP_SECONDS = 6
HOW_LONG = re.compile(r"^\d+:\d\d$")
# The longest a state change takes to show: a ring, a wrap-up, and a refresh or two.
STATE_SHOWS_MS = 30_000


def agent(name: str, queue: Queue, endpoint: str, **fields) -> Agent:
    created = Agent.objects.create(
        name=name,
        endpoint_kind=EndpointKind.NUMBER,
        endpoint=endpoint,
        status_changed_at=timezone.now(),
        **fields,
    )
    created.queues.add(queue)
    return created


def expect_state(row: Locator, state: str) -> None:
    """The agent's row shows the state and a running "how long" counter."""
    expect(row.locator(".agent-state")).to_have_text(state, timeout=STATE_SHOWS_MS)
    expect(row.locator(".elapsed")).to_have_text(HOW_LONG)


def test_an_agent_goes_through_every_state_on_the_board(
    stack: VoiceSim,
    support: Queue,
    open_page,
    live_server,
    artifacts_dir: Path,
):
    Queue.objects.filter(pk=support.pk).update(auto_distribute=True)
    sales = Queue.objects.create(name="Sales", auto_distribute=False)
    ann = agent("Ann", support, ANNS_PHONE, ring_timeout=600, wrap_up_seconds=WRAP_UP_SECONDS)
    services.set_agent_status(agent("Cy", sales, "+14155550174"), AgentStatus.AVAILABLE)
    agent("Bob", sales, "+14155550173")
    stack.sim(
        "PUT", f"phonebook/{ANNS_PHONE}", json={"kind": "human", "answer_after": ANN_PICKS_UP_AFTER}
    )
    page = open_page(member_of("Supervisors", staff=True))
    open_board(page, live_server)
    row = page.locator(f"#agent-{ann.pk}")
    expect_state(row, "Signed out")

    # Signed in from the board.
    row.get_by_role("button", name="Sign in").click()
    expect(page.locator(".messagelist")).to_contain_text("Signed in Ann at")
    open_board(page, live_server)
    expect_state(row, "Available")
    expect(row.locator(".agent-call")).to_have_text("—")

    # A caller waits; the distributor offers them to Ann, whose phone rings.
    sid, _ = call_in(stack, CALLER)
    expect_state(row, "Ringing")
    expect(row.locator(".agent-call")).to_have_text(CALLER_SHOWN)
    page.screenshot(path=artifacts_dir / "board-agent-ringing.png", full_page=True)

    # She picks up.
    expect_state(row, "Talking")
    expect(row.locator(".agent-call")).to_have_text(CALLER_SHOWN)
    page.screenshot(path=artifacts_dir / "board-agent-talking.png", full_page=True)

    # She hangs up: wrap-up, then available again once its time is over.
    leg = wait_until(lambda: QueueEntry.objects.get(call__sid=sid).agent_leg)
    stack.sim("POST", f"calls/{leg.sid}/hangup")
    expect_state(row, "Wrapping up")
    page.screenshot(path=artifacts_dir / "board-agent-wrapping-up.png", full_page=True)
    expect_state(row, "Available")
    assert still_same_page(page)

    # Signed out from the board.
    row.get_by_role("button", name="Sign out").click()
    expect(page.locator(".messagelist")).to_contain_text("Signed out Ann at")
    expect_state(row, "Signed out")
    ann.refresh_from_db()
    assert ann.status == AgentStatus.OFFLINE


def test_hang_up_asks_first_and_canceling_does_nothing(
    stack: VoiceSim,
    support: Queue,
    open_page,
    live_server,
    artifacts_dir: Path,
    settings,
):
    settings.CONSOLE_ACTION_WAIT_SECONDS = 5  # a real worker answers: the message says how
    page = open_page(member_of("Supervisors", staff=True))
    open_board(page, live_server)
    sid, entry = call_in(stack, CALLER)
    row = page.locator("#waiting-callers tr", has_text=CALLER_SHOWN)
    expect(row).to_contain_text("On hold in Support")
    dialog = page.locator(f"#confirm-hang-up-{entry.call_id}")

    row.get_by_role("button", name="Hang up…").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Hang up the call from {CALLER_SHOWN}?")
    status = page.locator("#board-status")
    expect(status).to_have_text("Paused while you choose an action.")
    page.screenshot(path=artifacts_dir / "board-confirm-hang-up.png", full_page=True)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(status).to_contain_text("Updated at")  # the board refreshes itself again
    assert not Redirect.objects.filter(call__sid=sid).exists()
    expect(row).to_contain_text("On hold in Support")

    row.get_by_role("button", name="Hang up…").click()
    dialog.get_by_role("button", name="Hang up", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text(
        re.compile(rf"Hung up the call from {re.escape(CALLER_SHOWN)} at \d\d:\d\d\.")
    )
    expect(page.locator("#waiting-callers")).to_have_count(0)
    wait_until(lambda: stack.sim("GET", f"calls/{sid}").json()["status"] == CallStatus.COMPLETED)
