"""A scripted hour on the floor, on voicesim with a real worker and beat: callers
answered, one hanging up, one ended by each supervisor action, one overflowing,
one at closed hours; the dashboard's figures then equal a count by hand."""

from __future__ import annotations

import contextlib

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import Call, CallStatus
from calls.urls_public import public_url
from queues.models import AgentStatus, EndpointKind, EntryOutcome, Queue, QueueEntry
from queues.services import set_agent_status
from tests.queues.test_e2e import agent, call_in, connected_leg, refreshed, said_on
from tests.support.processes import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

BOARD = reverse("admin:console_board")
CALLS = reverse("admin:calls_call_changelist")
GOODBYE = "<Response><Say>Goodbye.</Say><Hangup/></Response>"
# The callers whose wait a supervisor ends, each a different way.
BY_SUPERVISOR = (
    "board-hang-up",
    "board-redirect",
    "board-politely",
    "board-survey",
    "admin-now",
    "admin-scheduled",
    "api-url",
)


def board(supervisor, entry: QueueEntry, action: str, **data) -> None:
    url = reverse("admin:console_call_action", args=[entry.call.pk, action])
    assert supervisor.post(url, {"next": BOARD, "confirmed": "yes", **data}).status_code == 302


def admin_redirect(supervisor, entry: QueueEntry, **fields: str) -> None:
    data = {
        "action": "redirect_to_url",
        "apply": "Redirect",
        "method": "POST",
        "fallback_method": "POST",
        "_selected_action": [entry.call.pk],
        **fields,
    }
    assert supervisor.post(CALLS, data).status_code == 302


def ended(entry: QueueEntry) -> str:
    """The entry's outcome once its wait has ended (empty before)."""
    return refreshed(entry).outcome


def hang_up(sim, sid: str) -> None:
    """The caller hangs up (if the call is still up), and the product has heard of it."""
    with contextlib.suppress(httpx.HTTPStatusError):  # it ended by itself a moment ago
        sim.sim("POST", f"calls/{sid}/hangup")
    wait_until(lambda: Call.objects.get(sid=sid).status == CallStatus.COMPLETED)


def test_the_dashboard_after_a_floor_session_equals_a_count_by_hand(stack, support, supervisor):
    Queue.objects.filter(pk=support.pk).update(service_level_seconds=600)
    ann = agent(support, "Ann", EndpointKind.NUMBER, "+14155550123")
    bob = agent(support, "Bob", EndpointKind.NUMBER, "+14155550124")
    for each in (ann, bob):
        set_agent_status(each, AgentStatus.AVAILABLE)
    callers = {
        name: call_in(stack, f"+1415555{index:04d}")
        for index, name in enumerate(["rated", "answered", "gave-up", *BY_SUPERVISOR, "overflowed"])
    }
    survey_url = public_url("queues:survey-start", survey_id=support.survey_id)

    # Two callers answered: the first rates Ann 4 after she hangs up.
    for name, who in (("rated", ann), ("answered", bob)):
        board(supervisor, callers[name][1], "take-off-hold", agent=who.pk)
    legs = {name: connected_leg(stack, callers[name][0]) for name in ("rated", "answered")}
    stack.sim("POST", f"calls/{legs['rated']['leg']}/hangup")
    question = support.survey.questions.get().prompt
    wait_until(lambda: any(question in text for text in said_on(stack, callers["rated"][0])))
    stack.sim("POST", f"calls/{callers['rated'][0]}/digits", json={"digits": "4"})
    wait_until(lambda: Call.objects.get(sid=callers["rated"][0]).status == CallStatus.COMPLETED)
    hang_up(stack, callers["answered"][0])

    # One gives up on hold.
    hang_up(stack, callers["gave-up"][0])

    # A supervisor ends each of the others' waits, each a different way.
    board(supervisor, callers["board-hang-up"][1], "hang-up")
    board(supervisor, callers["board-redirect"][1], "redirect", url=survey_url)
    board(supervisor, callers["board-politely"][1], "hang-up-politely")
    board(supervisor, callers["board-survey"][1], "send-to-survey")
    admin_redirect(supervisor, callers["admin-now"][1], twiml=GOODBYE)
    admin_redirect(supervisor, callers["admin-scheduled"][1], url=survey_url, after_seconds="1")
    api_url = f"/api/v1/calls/{callers['api-url'][1].call.pk}/redirect/"
    sent = supervisor.post(api_url, {"url": survey_url}, content_type="application/json")
    assert sent.status_code == 202, sent.content
    for name in BY_SUPERVISOR:
        wait_until(lambda name=name: ended(callers[name][1]))

    # The last one waits past the maximum wait and overflows.
    Queue.objects.filter(pk=support.pk).update(max_wait_seconds=1)
    wait_until(lambda: ended(callers["overflowed"][1]))

    # One rings while the queue is closed: a call in, no wait.
    today = str(timezone.localtime().isoweekday())
    Queue.objects.filter(pk=support.pk).update(open_weekdays="1234567".replace(today, ""))
    closed = stack.sim(
        "POST",
        "inbound",
        json={
            "from": "+14155559999",
            "to": "+14155559000",
            "url": public_url("queues:voice"),
            "status_callback": public_url("calls-webhooks:status"),
            "status_callback_event": "initiated ringing answered completed",
        },
    ).json()["sid"]
    wait_until(lambda: support.closed_message in said_on(stack, closed))

    for sid in [closed, *(sid for sid, _ in callers.values())]:
        hang_up(stack, sid)
    outcomes = {name: ended(entry) for name, (_, entry) in callers.items()}
    assert outcomes == {
        "rated": EntryOutcome.CONNECTED,
        "answered": EntryOutcome.CONNECTED,
        "gave-up": EntryOutcome.ABANDONED,
        **dict.fromkeys(BY_SUPERVISOR, EntryOutcome.ENDED_BY_SUPERVISOR),
        "overflowed": EntryOutcome.OVERFLOWED,
    }

    tiles = {
        tile.key: (tile.value, tile.note)
        for tile in supervisor.get(reverse("admin:index")).context["tiles"]
    }
    # By hand: 12 calls in (11 waited, 1 at closed hours), no call out; of 11 waits,
    # 2 answered (both within 600 s), 1 abandoned, 1 overflowed, 7 ended by a supervisor.
    assert tiles["calls-in"] == ("12", "2 answered by an agent")
    assert tiles["calls-out"] == ("0", "0 answered, 0 by a person")
    assert tiles["speed"][1] == "over 2 callers answered"
    assert tiles["abandoned"] == ("9%", "1 of 11 callers")
    assert tiles["service-level"] == ("67%", "2 of 3 within each queue's target")
    assert tiles["overflowed"] == ("1", "1 of 11 callers")
    assert tiles["ended-by-supervisor"] == ("7", "7 of 11 callers")
    assert tiles["survey"] == ("4 / 5", "1 rating")
