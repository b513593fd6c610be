"""The supervisor's lists and a call's page in headless Chromium at 1366x768, on
a floor with long names and international numbers: every list shows its key
columns without scrolling sideways, and a call's page is titled by its parties,
with its raw callback parameters folded away until asked for.

Screenshots of each list (the window) and of a call's page (whole) are saved under
artifacts/.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.api.records import member_of
from tests.conftest import ARTIFACTS
from tests.support.floor_records import AGENT_NAME, LINE_LABEL, a_busy_floor

WIDTH, HEIGHT = 1366, 768

# Each list and the headers of the columns a supervisor must see without scrolling.
KEY_COLUMNS = {
    "calls_call": "When, Direction, From, To, Status, Outcome, Duration, Agent / queue / campaign",
    "queues_queueentry": "On hold since, Caller, Queue, Status, Outcome, Wait, Agent",
    "calls_redirect": "Requested, Action, Call, State, Due, Origin, Requested by",
    "queues_surveyresponse": "Answered, Call, Question, Answer, Agent, Queue",
    "queues_agent": "Name, Status, Since, Reached at",
    "queues_queue": "Name, Waiting, Longest wait, Agents available, Survey",
    "queues_inboundnumber": "Number, Label, Queue",
    "queues_survey": "Name, Questions, URL to redirect a call to",
}


@pytest.fixture
def supervisor_page(open_page, live_server) -> Page:
    """A 1366x768 tab logged in to the admin as a member of Supervisors, who may copy."""
    page = open_page(member_of("Supervisors", staff=True))
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    return page


def columns_outside(page: Page, headers: str) -> list[str]:
    """The headers of `headers` that are not wholly inside the window and the list's box."""
    box = page.locator("#changelist-form .results").bounding_box()
    right = min(WIDTH, box["x"] + box["width"])
    outside = []
    for header in headers.split(", "):
        text = page.locator(".text", has_text=re.compile(f"^{re.escape(header)}$", re.I))
        cell = page.locator("#result_list thead th").filter(has=text).bounding_box()
        if cell is None or cell["x"] < box["x"] or cell["x"] + cell["width"] > right:
            outside.append(header)
    return outside


# The page's width and the window's, the list's own width and what it shows of it.
WIDTHS = """[
    document.documentElement.scrollWidth, window.innerWidth,
    document.querySelector("#changelist-form .results").scrollWidth,
    document.querySelector("#changelist-form .results").clientWidth,
]"""


def test_every_list_shows_its_key_columns_without_scrolling(supervisor_page: Page, live_server):
    a_busy_floor(callers=12)

    for model, headers in KEY_COLUMNS.items():
        supervisor_page.goto(f"{live_server.url}{reverse(f'admin:{model}_changelist')}")
        expect(supervisor_page.locator("#result_list tbody tr").first).to_be_visible()

        page_width, window, list_width, shown = supervisor_page.evaluate(WIDTHS)
        supervisor_page.screenshot(path=ARTIFACTS / f"list-{model}-1366.png")
        assert page_width <= window, (model, page_width)
        assert list_width <= shown, (model, list_width, shown)
        assert columns_outside(supervisor_page, headers) == [], model
        if model == "calls_call":
            expect(supervisor_page.locator("#result_list")).to_contain_text(AGENT_NAME)


def test_a_calls_page_names_its_parties_and_folds_its_raw_parameters(
    supervisor_page: Page, live_server
):
    floor = a_busy_floor(callers=1)
    call = floor.answered

    supervisor_page.goto(f"{live_server.url}{reverse('admin:calls_call_change', args=[call.pk])}")

    parties = f"+49 1512 3456789 → {LINE_LABEL} (+44 20 7946 0958)"
    expect(supervisor_page).to_have_title(re.compile(f"^Call {re.escape(parties)} · "))
    header = supervisor_page.locator("#call-header")
    expect(header).to_contain_text(AGENT_NAME)
    expect(header).to_contain_text("1:02:05")  # its duration
    expect(supervisor_page.locator("#call-timeline")).to_contain_text(f"Leg dialed to {AGENT_NAME}")
    raw = supervisor_page.locator("details.raw-parameters").first
    expect(raw.locator("pre")).to_be_hidden()
    raw.locator("summary").click()
    expect(raw.locator("pre")).to_be_visible()
    expect(raw.locator("pre")).to_contain_text(call.sid)

    header.get_by_role("button", name=f"Copy {call.sid}").click()
    expect(header.get_by_role("button", name=f"Copy {call.sid}")).to_have_text("Copied")
    assert supervisor_page.evaluate("navigator.clipboard.readText()") == call.sid
    supervisor_page.screenshot(path=ARTIFACTS / "call-page-1366.png", full_page=True)
