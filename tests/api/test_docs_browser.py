"""The API docs in headless Chromium with every request beyond the back office
refused: Swagger UI and ReDoc come from the product itself and list its operations."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

# How long a page may take to show what the test looks for: a bound for failing, never
# a wait for passing. ReDoc parses the whole schema (over 250 KB) in one script task,
# which took more than 30 s once on a 2-core machine with both cores taken.
WAIT_MS = 90_000


@pytest.fixture
def offline_page(browser: Browser, live_server):
    """A tab that may reach the live server only; `page.refused` lists what else it asked for."""
    context = browser.new_context()
    context.set_default_timeout(WAIT_MS)
    ours = urlsplit(live_server.url).netloc
    refused: list[str] = []

    def only_ours(route: Route) -> None:
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", only_ours)
    page = context.new_page()
    page.refused = refused
    yield page
    context.close()


def test_swagger_ui_lists_the_operations_without_internet(offline_page: Page, live_server):
    offline_page.goto(f"{live_server.url}/api/docs/")

    operation = offline_page.locator(".opblock", has_text="/api/v1/calls/{id}/redirect/")
    expect(operation.first).to_be_visible(timeout=WAIT_MS)
    assert offline_page.refused == []


def test_redoc_lists_the_operations_without_internet(offline_page: Page, live_server):
    offline_page.goto(f"{live_server.url}/api/redoc/")

    expect(offline_page.get_by_role("heading", name="Call center back office API")).to_be_visible(
        timeout=WAIT_MS
    )
    expect(offline_page.get_by_text("/api/v1/calls/{id}/redirect/").first).to_be_attached()
    assert offline_page.refused == []
