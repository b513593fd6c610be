"""Headless Chromium for browser tests: the machine's own build, one per test module,
and `open_page(user)`, a tab of it logged in to the admin on the live server.

A plugin of the root conftest (`pytest_plugins`): every test module gets these
fixtures without importing them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery staple"
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for this module's tests only.

    Playwright's sync API keeps an event loop in the test thread while it runs;
    the ORM calls made between browser steps (and the database flush after
    each test) are still plain synchronous code, which Django is told here.
    """
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser: Browser, live_server):
    """`open_page(user)`: a 1366 px wide tab logged in to the admin as `user`."""
    contexts = []

    def open_as(user) -> Page:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}{reverse('admin:login')}")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("link", name="Live board").first).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()
