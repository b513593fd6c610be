"""A recorded call's admin page in headless Chromium at 1366 px: the page's own links
(Timeline, History), which Django floats at the top right, stay clear of the
Recordings section and its buttons.

A screenshot of the page's top is saved as artifacts/call-page-recordings.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.api.records import member_of
from tests.recordings.conftest import recording_of

pytestmark = pytest.mark.postgres


def overlap(a: dict, b: dict) -> bool:
    """Whether two bounding boxes share any area."""
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_the_pages_links_do_not_cover_the_recordings_buttons(
    open_page, live_server, artifacts_dir: Path
):
    recording = recording_of()
    page = open_page(member_of("Supervisors", staff=True))

    page.goto(f"{live_server.url}{reverse('admin:calls_call_change', args=[recording.call.pk])}")

    pause = page.get_by_role("button", name="Pause recording")
    expect(pause).to_be_visible()
    page.screenshot(path=artifacts_dir / "call-page-recordings.png")
    links = page.locator(".object-tools a")
    expect(links).to_have_text(["Timeline", "History"])
    for box in (pause, page.locator("#recordings-title")):
        for link in links.all():
            assert not overlap(link.bounding_box(), box.bounding_box()), link.text_content()
