"""A transfer picked on the live board in headless Chromium, against the running product
(live server, Celery worker with beat, voicesim): the supervisor picks a signed-in agent
in the row's Transfer picker; the agent is dialed in, the first one leaves, the caller
talks with the one picked, and the call's timeline shows the transfer asked and done.

Screenshots are saved under artifacts/ (board-transfer-*.png).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from conversations.models import ActionState, ConversationAction
from queues.models import Agent, QueueEntry
from tests.api.records import member_of
from tests.console.test_browser_conversation import conversation_on_board
from tests.conversations.test_conversation_e2e import api, joined, says, talking  # noqa: F401
from tests.conversations.test_transfer_e2e import bob, left  # noqa: F401
from tests.queues.test_e2e import support  # noqa: F401
from tests.support.processes import wait_until
from tests.support.voicesim import VoiceSim

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def test_a_supervisor_transfers_the_caller_to_the_agent_picked_on_the_board(
    stack: VoiceSim,
    talking: QueueEntry,  # noqa: F811
    bob: Agent,  # noqa: F811
    open_page,
    live_server,
    artifacts_dir: Path,
):
    caller, ann = talking.call.sid, talking.agent_leg.sid
    page: Page = open_page(member_of("Supervisors", staff=True))
    conversation = conversation_on_board(page, live_server, talking)
    transfer = conversation.locator("form", has=page.locator('button[data-kind="transfer"]'))

    picker = transfer.get_by_role("combobox", name="Transfer: agent")
    picker.focus()  # the board holds its refreshes while a form has the focus
    picker.select_option(label="Bob (available)")
    page.screenshot(path=artifacts_dir / "board-transfer-picked.png", full_page=True)
    transfer.get_by_role("button", name="Transfer", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("Transfer: asked")
    action = ConversationAction.objects.get(call=talking.call, kind="transfer")
    assert (action.origin, action.params) == ("board", {"agent": bob.pk})
    wait_until(
        lambda: ConversationAction.objects.get(pk=action.pk).state == ActionState.DONE,
        explain=lambda: ConversationAction.objects.values("state", "error_message").get(
            pk=action.pk
        ),
    )

    # Bob is dialed in, Ann leaves: the caller and Bob hear each other.
    bob_sid = joined(stack, action)
    wait_until(lambda: left(stack, ann))
    assert says(stack, bob_sid, "Bob here, how can I help?") == {caller}
    expect(conversation.locator(".conversation-participants li")).to_have_text(
        ["Customer", "Agent (Bob)"]
    )
    page.screenshot(path=artifacts_dir / "board-transfer-done.png", full_page=True)

    page.goto(f"{live_server.url}{reverse('admin:console_call_timeline', args=[talking.call_id])}")
    expect(page.get_by_text("Transfer requested")).to_be_visible()
    expect(page.get_by_text("Transfer: done")).to_be_visible()
