"""The live board in a browser tab: opened so that a reload would show."""

from __future__ import annotations

from django.urls import reverse
from playwright.sync_api import Page


def open_board(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}{reverse('admin:console_board')}")
    # Set once: still there later means the page was never reloaded.
    page.evaluate("window.loadedOnce = true")


def still_same_page(page: Page) -> bool:
    return page.evaluate("window.loadedOnce === true")
