"""What a viewer sees, in headless Chromium on the live server with the demo's data:
the board's agents and calls without a button to act, the calls list and a
campaign's page without a write action, and, for a page or an action they may not
use, the back office's refusal page saying why, not the browser's bare 403.

Screenshots of the viewer's board and a refusal are saved under artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from calls.models import Call, Direction
from campaigns.models import Campaign
from queues import services
from queues.models import Queue
from tests.api.records import make_call, member_of
from tests.queues.conftest import live_call

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

CALLER_SHOWN = "+1 415-555-0161"
DIALED_SHOWN = "+1 415-555-0199"


@pytest.fixture
def floor() -> Campaign:
    """The demo's queue, agents and campaign, a caller on hold and a call under way;
    the demo's campaign."""
    call_command("seed_demo")
    services.enqueue_call(live_call("+14155550161"), Queue.objects.get(name="Support"))
    make_call(
        direction=Direction.OUTBOUND_API, to_number="+14155550199", answered_at=timezone.now()
    )
    return Campaign.objects.get()


@pytest.fixture
def viewer_page(open_page, floor) -> Page:
    return open_page(member_of("Viewers", staff=True))


def go(page: Page, live_server, url: str) -> None:
    page.goto(f"{live_server.url}{url}")


def test_the_board_shows_a_viewer_agents_and_calls_but_no_button(
    viewer_page: Page, live_server, artifacts_dir: Path
):
    go(viewer_page, live_server, reverse("admin:console_board"))
    board = viewer_page.locator("#live-board")

    expect(board.locator("#agents")).to_contain_text("Alice (phone)")
    expect(board.locator("#agents")).to_contain_text("Signed out")
    expect(board.locator("#waiting-callers")).to_contain_text(CALLER_SHOWN)
    expect(board.locator("#calls-in-progress")).to_contain_text(DIALED_SHOWN)
    status = viewer_page.locator(".board-status")
    expect(status).to_contain_text("changing calls needs a supervisor")
    expect(board.get_by_role("button")).to_have_count(0)
    expect(board.locator("form, select")).to_have_count(0)
    expect(board.get_by_role("columnheader", name="Actions")).to_have_count(0)
    viewer_page.screenshot(path=artifacts_dir / "viewer-board.png", full_page=True)


def test_the_calls_list_offers_a_viewer_no_write_action_and_no_add_or_import(
    viewer_page: Page, live_server
):
    go(viewer_page, live_server, reverse("admin:calls_call_changelist"))

    expect(viewer_page.locator("#result_list tbody tr")).to_have_count(Call.objects.count())
    expect(viewer_page.locator("select[name=action]")).to_have_count(0)
    tools = viewer_page.locator(".object-tools")
    expect(tools.get_by_role("link", name="Export CSV")).to_be_visible()
    expect(tools.get_by_role("link")).to_have_text(["Export CSV"])  # no Add, Place or Import


def test_a_campaign_page_offers_a_viewer_no_run_button_and_no_import(
    viewer_page: Page, live_server, floor: Campaign
):
    go(viewer_page, live_server, reverse("admin:campaigns_campaign_change", args=[floor.pk]))
    live = viewer_page.locator("#campaign-live")

    expect(live.locator("[data-status=state_label]")).to_have_text("Draft")
    expect(viewer_page.locator("#campaign-runs")).to_have_count(0)
    expect(live.get_by_role("button")).to_have_count(0)
    for run in ("Start", "Pause", "Resume", "Cancel campaign…"):
        expect(viewer_page.get_by_role("button", name=run)).to_have_count(0)
        expect(viewer_page.get_by_role("link", name=run)).to_have_count(0)
    expect(viewer_page.get_by_role("link", name="Import contacts")).to_have_count(0)
    expect(viewer_page.locator("input[type=submit][name=_save]")).to_have_count(0)


def expect_refusal(page: Page, why: str) -> None:
    """The back office's own page: its header, the breadcrumbs home, and the reason."""
    expect(page.locator("#site-name")).to_contain_text("Call center back office")
    expect(page.locator(".breadcrumbs")).to_contain_text("Not allowed")
    expect(page.locator(".errornote")).to_have_text(why)
    expect(page.locator(".refusal")).to_contain_text("a member of Viewers")
    expect(page.get_by_role("link", name="Back to the dashboard")).to_be_visible()


def test_a_page_a_viewer_may_not_open_is_refused_with_the_reason(
    viewer_page: Page, live_server, floor: Campaign, artifacts_dir: Path
):
    upload = reverse("admin:campaigns_campaign_upload", args=[floor.pk])
    response = viewer_page.goto(f"{live_server.url}{upload}")

    assert response.status == 403
    expect_refusal(viewer_page, "Importing contacts needs the right to change campaigns.")
    viewer_page.screenshot(path=artifacts_dir / "viewer-refused.png", full_page=True)

    response = viewer_page.goto(f"{live_server.url}{reverse('admin:calls_call_add')}")
    assert response.status == 403
    expect_refusal(viewer_page, "Your role does not allow this page or this action.")


def test_a_board_action_posted_by_a_viewer_is_refused_with_the_reason(
    viewer_page: Page, live_server
):
    """A form to hang up a call, posted from the viewer's board page as a stale or
    forged page would: the browser shows the refusal, and the call goes on."""
    call = Call.objects.get(to_number="+14155550199")
    action = reverse("admin:console_call_action", args=[call.pk, "hang-up"])
    go(viewer_page, live_server, reverse("admin:console_board"))

    with viewer_page.expect_navigation() as navigation:
        viewer_page.evaluate(
            """([action, token]) => {
                const form = Object.assign(document.createElement("form"),
                                           {method: "post", action: action});
                form.append(Object.assign(document.createElement("input"),
                            {type: "hidden", name: "csrfmiddlewaretoken", value: token}));
                form.append(Object.assign(document.createElement("input"),
                            {type: "hidden", name: "confirmed", value: "yes"}));
                document.body.append(form);
                form.submit();
            }""",
            [action, csrf_token(viewer_page)],
        )

    assert navigation.value.status == 403
    expect_refusal(viewer_page, "Only Supervisors act on live calls; your role can watch them.")
    assert not call.redirects.exists()


def csrf_token(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
