"""Hanging up and redirecting from the board are asked once more first, and a change
scheduled for later says when it happens and stays on the caller's row until it does
or is canceled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import services
from calls.models import Redirect, RedirectState
from tests.console.test_board import BOARD, ROWS, said, talking  # noqa: F401  fixture

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def clock(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def unconfirmed(client, call, action: str, **data):
    url = reverse("admin:console_call_action", args=[call.pk, action])
    return client.post(url, {"next": BOARD, **data})


def cancel(client, redirect: Redirect):
    url = reverse("admin:console_scheduled_cancel", args=[redirect.pk])
    return client.post(url, {"next": BOARD}, follow=True)


def scheduled_on_row(client) -> list[str]:
    [row] = client.get(ROWS).context["board"].in_progress
    return [change.description for change in row.scheduled]


def test_hang_up_and_redirect_are_asked_first_and_nothing_happens_until_confirmed(
    supervisor,
    talking,  # noqa: F811
):
    hang_up = unconfirmed(supervisor, talking, "hang-up")
    redirect = unconfirmed(supervisor, talking, "redirect", url="https://flows.example.com/next")

    assert hang_up.status_code == 200
    assert hang_up.templates[0].name == "console/confirm_action.html"
    page = hang_up.content.decode()
    assert "Hang up the call to +1 415-555-0199?" in page
    assert 'name="confirmed" value="yes"' in page and f'href="{BOARD}"' in page
    asked = redirect.content.decode()
    assert "Redirect the call to +1 415-555-0199?" in asked
    assert 'value="https://flows.example.com/next"' in asked
    assert not Redirect.objects.exists()


def test_each_row_carries_the_dialog_of_its_confirmed_actions(
    supervisor,
    talking,  # noqa: F811
):
    page = supervisor.get(ROWS).content.decode()

    for action in ("hang-up", "redirect"):
        assert f'data-opens="confirm-{action}-{talking.pk}"' in page
        assert f'<dialog id="confirm-{action}-{talking.pk}"' in page
    assert page.count('formmethod="dialog"') == 2
    assert 'id="hang-up-when-' not in page  # ids made unique per row
    assert f'id="hang-up-{talking.pk}-when"' in page


def test_a_scheduled_hang_up_says_when_and_stays_on_the_row_until_canceled(
    supervisor,
    talking,  # noqa: F811
):
    [message] = said(supervisor, talking, "hang-up", when="5m")

    scheduled = Redirect.objects.get(call=talking)
    assert scheduled.state == RedirectState.SCHEDULED
    assert 299 <= (scheduled.due_at - timezone.now()).total_seconds() <= 300
    due = clock(scheduled.due_at)
    assert message == "Will hang up the call to +1 415-555-0199 at HH:MM."
    assert scheduled_on_row(supervisor) == [f"Hang up at {due}"]
    timeline = supervisor.get(reverse("admin:console_call_timeline", args=[talking.pk]))
    assert f"Hang up at {due}" in timeline.content.decode()

    canceled = cancel(supervisor, scheduled)

    assert [str(m) for m in canceled.context["messages"]] == [
        f"Canceled the hang-up of the call to +1 415-555-0199 that was to happen at {due}."
    ]
    assert scheduled_on_row(supervisor) == []
    assert [str(m) for m in cancel(supervisor, scheduled).context["messages"]] == [
        "Could not cancel the hang-up of the call to +1 415-555-0199: "
        "Only a scheduled redirect can be canceled; this one is canceled."
    ]


def test_a_scheduled_redirect_leaves_the_row_once_its_time_comes(
    supervisor,
    talking,  # noqa: F811
):
    [message] = said(
        supervisor, talking, "redirect", url="https://flows.example.com/next", when="1m"
    )
    scheduled = Redirect.objects.get(call=talking)

    assert message == (
        "Will redirect the call to +1 415-555-0199 to https://flows.example.com/next at HH:MM."
    )
    assert scheduled_on_row(supervisor) == [f"Redirect at {clock(scheduled.due_at)}"]
    services.fire_due_redirects(now=scheduled.due_at + dt.timedelta(seconds=1))
    assert scheduled_on_row(supervisor) == []


def test_a_viewer_sees_scheduled_changes_but_cannot_cancel_them(
    viewer,
    talking,  # noqa: F811
):
    scheduled = services.hang_up(talking, at=timezone.now() + dt.timedelta(minutes=5))

    page = viewer.get(ROWS).content.decode()

    assert f"Hang up at {clock(scheduled.due_at)}" in page
    assert 'data-action="cancel-scheduled"' not in page
    assert cancel(viewer, scheduled).status_code == 403
    scheduled.refresh_from_db()
    assert scheduled.state == RedirectState.SCHEDULED
