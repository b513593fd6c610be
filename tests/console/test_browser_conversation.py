"""A live conversation on the board in headless Chromium, against the running product
(live server, Celery worker with beat, voicesim): a supervisor gets its buttons and a
viewer only sees who is in the room; a whisper started from the board reaches the
agent alone and shows on the call's timeline; a hold pressed on the timeline's
"Live now" comes back to the timeline and shows there.

Screenshots are saved under artifacts/ (board-conversation-*.png,
timeline-whisper.png, timeline-conversation-*.png).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from conversations.models import ActionState, Conference, ConversationAction, Participant, Role
from queues.models import QueueEntry
from tests.api.records import member_of
from tests.console.board_page import open_board
from tests.conversations.test_conversation_e2e import api, joined, says, speech, talking  # noqa: F401
from tests.queues.test_e2e import support  # noqa: F401
from tests.support.processes import wait_until
from tests.support.voicesim import VoiceSim

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

SUPERVISORS_PHONE = "+14155550777"
# Each action a supervisor may ask of a live conversation, by its button's name.
BUTTONS = ("Hold", "Unhold", "Mute", "Unmute", "Listen", "Whisper", "Barge in", "Let go")
END_BUTTON = "End for everyone"


def conversation_on_board(page: Page, live_server, entry: QueueEntry) -> Locator:
    """The conversation's part of the board: who is in the room and its buttons."""
    open_board(page, live_server)
    return conversation_shown(page, entry)


def timeline_url(live_server, entry: QueueEntry) -> str:
    return f"{live_server.url}{reverse('admin:console_call_timeline', args=[entry.call_id])}"


def conversation_shown(page: Page, entry: QueueEntry) -> Locator:
    """The conversation of `entry`'s call on the page open, customer and agent in the room."""
    conference = Conference.objects.get(call=entry.call)
    conversation = page.locator(f'.conversation[data-conference="{conference.pk}"]')
    participants = conversation.locator(".conversation-participants li")
    expect(participants).to_have_text(["Customer", f"Agent ({entry.agent.name})"])
    return conversation


def test_a_supervisor_gets_every_action_and_a_viewer_none(
    talking: QueueEntry,  # noqa: F811
    open_page,
    live_server,
    artifacts_dir: Path,
):
    supervisor = open_page(member_of("Supervisors", staff=True))
    conversation = conversation_on_board(supervisor, live_server, talking)
    for name in (*BUTTONS, END_BUTTON):
        expect(conversation.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(conversation.get_by_role("textbox", name="Whisper: your phone")).to_be_visible()
    supervisor.screenshot(path=artifacts_dir / "board-conversation-supervisor.png", full_page=True)

    viewer = open_page(member_of("Viewers", staff=True))
    conversation = conversation_on_board(viewer, live_server, talking)
    expect(conversation.get_by_role("button")).to_have_count(0)
    viewer.screenshot(path=artifacts_dir / "board-conversation-viewer.png", full_page=True)


def test_a_whisper_from_the_board_reaches_the_agent_alone_and_shows_on_the_timeline(
    stack: VoiceSim,
    talking: QueueEntry,  # noqa: F811
    open_page,
    live_server,
    artifacts_dir: Path,
):
    caller, ann = talking.call.sid, talking.agent_leg.sid
    page = open_page(member_of("Supervisors", staff=True))
    conversation = conversation_on_board(page, live_server, talking)

    conversation.get_by_role("textbox", name="Whisper: your phone").fill(SUPERVISORS_PHONE)
    conversation.get_by_role("button", name="Whisper", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Whisper: asked")
    action = ConversationAction.objects.get(call=talking.call, kind="whisper")
    assert (action.origin, action.params) == ("board", {"to": SUPERVISORS_PHONE})
    wait_until(lambda: ConversationAction.objects.get(pk=action.pk).state == ActionState.DONE)

    # The supervisor's phone joins the room, coaching: Ann hears them, the caller does not.
    whisperer = joined(stack, action)
    expect(conversation.locator(".conversation-participants")).to_contain_text("whispering")
    page.screenshot(path=artifacts_dir / "board-conversation-whispering.png", full_page=True)
    assert says(stack, whisperer, "Offer a refund.") == {ann}
    assert "Offer a refund." in speech(stack, ann)
    assert "Offer a refund." not in speech(stack, caller)

    page.goto(timeline_url(live_server, talking))
    expect(page.get_by_text("Whisper requested")).to_be_visible()
    expect(page.get_by_text("Whisper: done")).to_be_visible()
    page.screenshot(path=artifacts_dir / "timeline-whisper.png", full_page=True)


def test_a_hold_pressed_on_the_timeline_shows_there_and_a_viewer_gets_no_button(
    talking: QueueEntry,  # noqa: F811
    open_page,
    live_server,
    artifacts_dir: Path,
):
    timeline = timeline_url(live_server, talking)
    page = open_page(member_of("Supervisors", staff=True))
    page.goto(timeline)
    conversation = conversation_shown(page, talking)

    conversation.get_by_role("button", name="Hold", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Hold: asked")
    assert page.url == timeline
    hold = ConversationAction.objects.filter(call=talking.call, kind="hold")
    customer = Participant.objects.filter(conference__call=talking.call, role=Role.CUSTOMER)
    # Done, and Twilio's participant-hold callback came: a reload shows both.
    wait_until(lambda: hold.get().state == ActionState.DONE and customer.get().on_hold)
    page.reload()
    expect(conversation.locator('li[data-role="customer"]')).to_have_text("Customer · on hold")
    moments = page.locator("#call-timeline .moment-what")
    expect(moments.filter(has_text="Hold: done")).to_be_visible()
    expect(moments.filter(has_text="Customer on hold")).to_be_visible()
    page.screenshot(path=artifacts_dir / "timeline-conversation-supervisor.png", full_page=True)

    viewer = open_page(member_of("Viewers", staff=True))
    viewer.goto(timeline)
    participants = viewer.locator(".conversation .conversation-participants li")
    expect(participants).to_have_text(["Customer · on hold", "Agent (Ann)"])
    expect(viewer.locator('section[aria-labelledby="live-title"] button')).to_have_count(0)
    viewer.screenshot(path=artifacts_dir / "timeline-conversation-viewer.png", full_page=True)
