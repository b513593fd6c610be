"""The campaign's page and lists in headless Chromium on the live server: the
buttons move the campaign, the page follows a real campaign dialing through
voicesim without a reload, the calling days round-trip as checkboxes, and the
lists fit a 1366 by 768 screen.

Screenshots of the page mid-campaign are saved under artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from campaigns.models import Campaign, Contact
from campaigns.services import lifecycle
from tests.api.records import member_of

from .factories import campaign, with_contacts
from .test_not_dialing import closed_today

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

LAPTOP = {"width": 1366, "height": 768}


def open_campaign(page: Page, live_server, target: Campaign) -> None:
    page.goto(f"{live_server.url}{reverse('admin:campaigns_campaign_change', args=[target.pk])}")


def supervisor_on(open_page, live_server, target: Campaign) -> Page:
    page = open_page(member_of("Supervisors", staff=True))
    open_campaign(page, live_server, target)
    return page


def test_the_buttons_start_pause_resume_and_cancel_the_campaign(open_page, live_server):
    target = campaign()
    with_contacts(target, "+12125550101,Ann")
    page = supervisor_on(open_page, live_server, target)
    live = page.locator("#campaign-live")
    state = live.locator("[data-status=state_label]")
    messages = page.locator(".messagelist")
    expect(state).to_have_text("Draft")
    expect(live.get_by_role("button")).to_have_text(["Start"])

    live.get_by_role("button", name="Start").click()
    expect(messages).to_contain_text("Started the campaign “Reminders”.")
    expect(state).to_have_text("Running")
    # The panel refreshes itself and says when, as the back office writes a time.
    updated = page.locator("#campaign-live-status")
    expect(updated).to_have_text(re.compile(r"^Updated at \d\d:\d\d:\d\d\.$"))
    expect(live.get_by_role("button")).to_have_text(["Pause"])
    expect(live.get_by_role("link", name="Cancel campaign…")).to_be_visible()

    live.get_by_role("button", name="Pause").click()
    expect(messages).to_contain_text("Paused the campaign “Reminders”.")
    expect(state).to_have_text("Paused")
    expect(live.get_by_role("button")).to_have_text(["Resume"])

    live.get_by_role("button", name="Resume").click()
    expect(messages).to_contain_text("Resumed the campaign “Reminders”.")
    expect(state).to_have_text("Running")

    live.get_by_role("link", name="Cancel campaign…").click()
    expect(page.locator("h1")).to_have_text("Cancel campaign “Reminders”?")
    assert Campaign.objects.get(pk=target.pk).state == "running"
    page.get_by_role("button", name="Yes, cancel campaign").click()
    expect(messages).to_contain_text("Canceled the campaign “Reminders”.")
    expect(state).to_have_text("Canceled")
    expect(live.get_by_role("button")).to_have_count(0)
    expect(live.get_by_role("link")).to_have_count(0)
    assert Campaign.objects.get(pk=target.pk).state == "canceled"


def test_the_calling_days_round_trip_as_checkboxes(open_page, live_server, artifacts_dir: Path):
    target = campaign(window_days="12345")
    page = supervisor_on(open_page, live_server, target)
    expect(page.get_by_label("Mon")).to_be_checked()
    expect(page.get_by_label("Sun")).not_to_be_checked()
    page.get_by_label("Mon").uncheck()
    page.get_by_label("Sun").check()
    page.locator(".field-window_days").screenshot(path=artifacts_dir / "campaign-calling-days.png")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Campaign.objects.get(pk=target.pk).window_days == "23457"
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    checked = [day for day in days if page.get_by_label(day).is_checked()]
    assert checked == ["Tue", "Wed", "Thu", "Fri", "Sun"]

    for day in checked:
        page.get_by_label(day).uncheck()
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".errorlist")).to_contain_text("Pick at least one calling day.")
    assert Campaign.objects.get(pk=target.pk).window_days == "23457"


def fits_the_screen(page: Page, headers: list[str]) -> None:
    """No horizontal scroll, of the page or of the list inside it (its own scroll
    bar would hide the last columns under the filters), and each key column's
    header inside the window."""
    widths = page.evaluate(
        """() => {
            const results = document.querySelector("#changelist .results");
            return {
                page: [document.documentElement.scrollWidth, window.innerWidth],
                list: [results.scrollWidth, results.clientWidth],
            };
        }"""
    )
    assert widths["page"][0] <= widths["page"][1], widths
    assert widths["list"][0] <= widths["list"][1], widths
    for header in headers:
        cell = page.locator("#result_list thead th", has_text=header).first
        box = cell.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= LAPTOP["width"], header


def test_the_campaign_and_contact_lists_fit_a_laptop_screen(
    open_page, live_server, artifacts_dir: Path
):
    waiting = campaign(name="Flu shots reminder for the autumn season", **closed_today())
    with_contacts(
        waiting,
        "+12125550101,Annabelle,Fitzgerald-Montgomery",
        "+442071838750,Bartholomew,Okonkwo-Underwood",
        header="phone_number,first_name,last_name",
    )
    lifecycle.start(waiting.pk)
    draft = campaign(name="Draft")
    with_contacts(draft, "+12125550102,Bob")
    page = open_page(member_of("Supervisors", staff=True))
    page.set_viewport_size(LAPTOP)

    page.goto(f"{live_server.url}{reverse('admin:campaigns_campaign_changelist')}")
    expect(page.locator("#result_list")).to_contain_text("No contact is inside its calling window")
    fits_the_screen(page, ["Name", "State", "Progress", "Now", "Caller ID", "Created"])
    page.screenshot(path=artifacts_dir / "campaign-list-1366.png")

    page.goto(f"{live_server.url}{reverse('admin:campaigns_contact_changelist')}")
    annabelle = page.locator("#result_list .party", has_text="Annabelle Fitzgerald-Montgomery")
    expect(annabelle.locator(".party-number")).to_have_text("+1 212-555-0101")  # under her name
    fits_the_screen(page, ["Contact", "Campaign", "State", "Outcome", "Attempts", "Next attempt"])
    page.screenshot(path=artifacts_dir / "contact-list-1366.png")


def test_the_page_follows_a_campaign_dialing_through_voicesim(
    stack, open_page, live_server, artifacts_dir: Path
):
    """Clicked Start, then watched: the figures, the outcomes and the reason move
    on the page while the worker dials, and the page is never reloaded."""
    target = campaign(
        name="Flu shots",
        if_machine="hangup",
        timeout=10,
        calls_per_second="0.3",
        max_concurrent_calls=2,
        busy_max_attempts=1,
        no_answer_max_attempts=1,
        machine_max_attempts=1,
    )
    with_contacts(
        target,
        "+15550001201,Ann,Busy",
        "+15550002201,Bob,Ring",
        "+15550003201,Cleo,Machine",
        *(f"+1415555{n:04},Person,{n}" for n in range(1, 6)),
        header="phone_number,first_name,last_name",
    )
    page = supervisor_on(open_page, live_server, target)
    page.locator("#campaign-live").get_by_role("button", name="Start").click()
    expect(page.locator(".messagelist")).to_contain_text("Started the campaign “Flu shots”.")
    page.evaluate("window.loadedOnce = true")
    summary = page.locator("[data-status=summary]")
    expect(summary).to_have_text("0 of 8 contacts done; 0 on the phone, 8 waiting")

    page.wait_for_function(
        """() => {
            const text = document.querySelector("[data-status=summary]").textContent;
            const [done, , , waiting] = text.match(/\\d+/g).map(Number);
            return done >= 3 && waiting >= 1;
        }"""
    )
    page.screenshot(path=artifacts_dir / "campaign-page-mid-campaign.png")
    page.screenshot(path=artifacts_dir / "campaign-page-mid-campaign-full.png", full_page=True)

    expect(summary).to_have_text("8 of 8 contacts done; 0 on the phone, 0 waiting", timeout=90_000)
    outcomes = page.locator("#campaign-outcomes")
    for shown in ("Busy: 1", "No answer: 1", "Machine, hung up: 1", "Answered by a human: 5"):
        expect(outcomes).to_contain_text(shown)
    expect(outcomes).not_to_contain_text("no-answer")
    expect(page.locator("[data-status=now]")).to_contain_text("Not dialing:")
    ann = page.locator("#campaign-contacts tbody tr", has_text="Ann Busy (+1 555-000-1201)")
    expect(ann).to_contain_text("Done")
    expect(ann.get_by_role("link", name="call")).to_have_count(1)
    assert page.evaluate("window.loadedOnce === true"), "the page was reloaded"
    page.screenshot(path=artifacts_dir / "campaign-page-done.png", full_page=True)

    ann.get_by_role("link", name="Ann Busy (+1 555-000-1201)").click()
    history = page.locator(".field-attempt_history")
    expect(history).to_contain_text("Busy")
    page.screenshot(path=artifacts_dir / "campaign-contact-page.png", full_page=True)
    call = Contact.objects.get(phone_number="+15550001201").last_call
    history.get_by_role("link", name="call").click()
    expect(page).to_have_url(re.compile(rf"/admin/calls/call/{call.pk}/change/$"))
