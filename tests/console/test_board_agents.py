"""The live board's agents and queues: each agent's state, how long, and the caller they
ring for or talk to; signing agents in and out from the board; each queue's callers on
hold, longest wait and service level today."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from callcenter.formats import duration
from calls.models import CallStatus
from queues import figures, services
from queues.models import Agent, AgentStatus, QueueEntry
from tests.console.test_board import ROWS, said
from tests.queues.conftest import live_call

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def since(agent: Agent, seconds: int) -> None:
    """The agent moved to their state `seconds` ago."""
    moved = timezone.now() - dt.timedelta(seconds=seconds)
    Agent.objects.filter(pk=agent.pk).update(status_changed_at=moved)


def offered(caller, agent: Agent, number: str) -> QueueEntry:
    """A caller taken off hold to the agent, whose phone now rings."""
    return services.take_off_hold(caller(number), agent=agent)


def answered(entry: QueueEntry, agent: Agent):
    """The agent picks up: their leg of the caller's call is in progress."""
    leg = live_call(parent=entry.call, to_number=agent.endpoint)
    services.record_leg_status(leg)
    return leg


def agent_rows(client) -> dict[str, tuple[str, str, str]]:
    board = client.get(ROWS).context["board"]
    return {row.agent.name: (row.state, row.elapsed, row.call_party) for row in board.agents}


def sign(client, agent: Agent, change: str):
    url = reverse("admin:console_agent_status", args=[agent.pk, change])
    return client.post(url, {"next": reverse("admin:console_board")}, follow=True)


def test_each_agent_shows_their_state_for_how_long_and_the_caller_on_their_call(
    supervisor, caller, make_agent
):
    make_agent("Ann")
    bob, dee, eve = make_agent("Bob"), make_agent("Dee"), make_agent("Eve")
    make_agent("Cy", available=False)
    offered(caller, bob, "+14155550102")
    answered(offered(caller, dee, "+14155550104"), dee)
    leg = answered(offered(caller, eve, "+14155550105"), eve)
    leg.status = CallStatus.COMPLETED
    leg.save()
    services.record_leg_status(leg)
    for name, seconds in (("Ann", 125), ("Bob", 7), ("Dee", 65), ("Eve", 12)):
        since(Agent.objects.get(name=name), seconds)

    assert agent_rows(supervisor) == {
        "Ann": ("Available", "2:05", ""),
        "Bob": ("Ringing", "0:07", "+1 415-555-0102"),
        "Cy": ("Signed out", "—", ""),
        "Dee": ("Talking", "1:05", "+1 415-555-0104"),
        "Eve": ("Wrapping up", "0:12", ""),
    }
    page = supervisor.get(ROWS).content.decode()
    assert page.count('data-action="sign-in"') == 1  # Cy
    assert page.count('data-action="sign-out"') == 2  # Ann, and Eve in wrap-up


def test_the_talking_time_starts_when_the_agent_answers(supervisor, caller, make_agent):
    ann = make_agent("Ann")
    entry = offered(caller, ann, "+14155550101")
    ann.refresh_from_db()
    rang_at = ann.status_changed_at

    answered(entry, ann)

    ann.refresh_from_db()
    assert ann.status == AgentStatus.ON_CALL and ann.status_changed_at > rang_at


def test_a_supervisor_signs_agents_in_and_out_from_the_board(supervisor, caller, make_agent):
    cy = make_agent("Cy", available=False)
    bob = make_agent("Bob")
    offered(caller, bob, "+14155550102")

    signed_in = sign(supervisor, cy, "sign-in")
    cy.refresh_from_db()
    at = timezone.localtime(cy.status_changed_at).strftime("%H:%M")
    assert [str(m) for m in signed_in.context["messages"]] == [
        f"Signed in Cy at {at}: available for callers."
    ]
    assert cy.status == AgentStatus.AVAILABLE

    sign(supervisor, cy, "sign-out")
    cy.refresh_from_db()
    assert cy.status == AgentStatus.OFFLINE

    refused = sign(supervisor, bob, "sign-out")
    assert [str(m) for m in refused.context["messages"]] == [
        "Could not sign out Bob: Bob is on a call (ringing); the call's end sets their status."
    ]
    bob.refresh_from_db()
    assert bob.status == AgentStatus.RINGING


def test_a_viewer_sees_the_agents_but_cannot_sign_them_in(viewer, make_agent):
    cy = make_agent("Cy", available=False)

    page = viewer.get(ROWS).content.decode()
    forged = viewer.post(reverse("admin:console_agent_status", args=[cy.pk, "sign-in"]))

    assert 'id="agents"' in page and "Cy" in page and "Signed out" in page
    assert 'data-action="sign-in"' not in page
    assert forged.status_code == 403
    assert "Only Supervisors sign agents in and out" in forged.content.decode()
    cy.refresh_from_db()
    assert cy.status == AgentStatus.OFFLINE


def test_only_sign_in_and_sign_out_are_posted(supervisor, make_agent):
    cy = make_agent("Cy", available=False)

    assert (
        supervisor.get(reverse("admin:console_agent_status", args=[cy.pk, "sign-in"])).status_code
        == 405
    )
    assert (
        supervisor.post(reverse("admin:console_agent_status", args=[cy.pk, "on-call"])).status_code
        == 404
    )
    cy.refresh_from_db()
    assert cy.status == AgentStatus.OFFLINE


def test_queue_tiles_show_callers_on_hold_the_longest_wait_and_todays_service_level(
    supervisor, queue, caller, make_agent
):
    ann = make_agent("Ann")
    answered(offered(caller, ann, "+14155550101"), ann)  # answered at once: in time
    gone = caller("+14155550102")
    gone.call.status = CallStatus.COMPLETED
    gone.call.save()
    services.record_call_ended(gone.call)  # abandoned
    old = caller("+14155550103")
    caller("+14155550104")
    enqueued = timezone.now() - dt.timedelta(seconds=75)
    QueueEntry.objects.filter(pk=old.pk).update(enqueued_at=enqueued)

    response = supervisor.get(ROWS)
    board = response.context["board"]
    [tile] = board.queues

    today = timezone.localdate()
    [day] = figures.daily_figures(queue, today, today)
    assert day.waits.service_level == 0.5
    # 1:15 and however long a loaded machine took to render the board, as of its own time.
    waited = duration(int((board.at - enqueued).total_seconds()))
    assert waited.startswith("1:1")
    assert (tile.queue, tile.waiting, tile.longest_wait, tile.service_level) == (
        queue,
        2,
        waited,
        "50%",
    )
    page = response.content.decode()
    assert "2 on hold" in page and f"Longest wait {waited}" in page
    assert "Service level today 50% within 20 s" in page


def test_a_quiet_queue_shows_no_wait_and_no_service_level_yet(supervisor, queue):
    [tile] = supervisor.get(ROWS).context["board"].queues

    assert (tile.waiting, tile.longest_wait, tile.service_level) == (0, "—", "—")


def test_board_messages_name_the_agent_on_the_call(supervisor, caller, make_agent):
    ann = make_agent("Ann")
    entry = offered(caller, ann, "+14155550101")
    answered(entry, ann)

    assert said(supervisor, entry.call, "hang-up") == [
        "Hanging up the call from +1 415-555-0101 with Ann (asked at HH:MM)."
    ]
