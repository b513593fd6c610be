"""Each way a caller's wait can end, done as a user does it (the board, the admin, the
API, Twilio's callbacks), and the figures it gives on the dashboard and in the API.

Redirects are sent as the worker sends them (`send_redirect`, against a stand-in
for Twilio's REST API), with the after-commit reactions run, so a redirect's
news reaches the queues exactly as in production.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import services as call_services
from calls.models import Call, Redirect, RedirectState
from queues import figures, services
from queues.models import EntryOutcome, EntryStatus, InboundNumber, QueueEntry
from tests.calls.conftest import twilio  # noqa: F401  fixture: the Twilio stand-in
from tests.support.twilio_requests import post_as_twilio, status_params

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BOARD = reverse("admin:console_board")
CALLS = reverse("admin:calls_call_changelist")
INDEX = reverse("admin:index")
FLOW = "https://flows.example.com/next"
OUR_NUMBER = "+14155559000"


@pytest.fixture
def floor(supervisor, caller, make_agent, queue, twilio, django_capture_on_commit_callbacks):  # noqa: F811
    return Floor(supervisor, caller, make_agent, queue, django_capture_on_commit_callbacks)


@dataclasses.dataclass
class Floor:
    """The supervisor's browser, the queue, and the worker's and Twilio's side of a call."""

    supervisor: object
    caller: object
    make_agent: object
    queue: object
    after_commit: object
    sequence: int = 0

    def act(self, entry: QueueEntry, action: str, **data) -> None:
        """Click an action of the live board on the caller's row."""
        url = reverse("admin:console_call_action", args=[entry.call.pk, action])
        form = {"next": BOARD, "confirmed": "yes", **data}
        assert self.supervisor.post(url, form).status_code == 302

    def deliver(self, now: dt.datetime | None = None) -> None:
        """The worker: claim what is due at `now`, then send every queued redirect."""
        with self.after_commit(execute=True):
            call_services.fire_due_redirects(now=now)
        for redirect in Redirect.objects.filter(state=RedirectState.QUEUED).order_by("id"):
            with self.after_commit(execute=True):
                call_services.send_redirect(redirect.pk)

    def status(self, call: Call, status: str, **params: str) -> None:
        """A status callback from Twilio, with its reactions."""
        self.sequence += 1
        with self.after_commit(execute=True):
            call_services.record_status_event(
                status_params(call.sid, status, self.sequence, Direction="inbound", **params)
            )

    def hang_up(self, entry: QueueEntry) -> None:
        """The caller hangs up, wherever they are."""
        self.status(entry.call, "completed")


def talking_to_an_agent(floor: Floor, entry: QueueEntry) -> None:
    """The board takes the caller off hold to Ann, and Ann's leg answers."""
    ann = floor.make_agent("Ann")
    floor.act(entry, "take-off-hold", agent=ann.pk)
    floor.deliver()
    leg = {"ParentCallSid": entry.call.sid, "To": ann.endpoint, "Direction": "outbound-dial"}
    floor.sequence += 1
    with floor.after_commit(execute=True):
        call_services.record_status_event(
            status_params("CA" + "e" * 32, "in-progress", floor.sequence, **leg)
        )
    entry.refresh_from_db()
    assert entry.status == EntryStatus.CONNECTED


def answered(floor: Floor, entry: QueueEntry) -> None:
    talking_to_an_agent(floor, entry)
    services.record_dial_ended(entry.pk, offer=1, dial_status="completed")
    floor.hang_up(entry)


def caller_hung_up(floor: Floor, entry: QueueEntry) -> None:
    floor.hang_up(entry)


def overflowed(floor: Floor, entry: QueueEntry) -> None:
    floor.queue.max_wait_seconds = 1
    floor.queue.save()
    with floor.after_commit(execute=True):
        services.overflow_overdue(now=timezone.now() + dt.timedelta(seconds=2))
    floor.deliver()
    floor.hang_up(entry)


def board_hang_up(floor: Floor, entry: QueueEntry) -> None:
    floor.act(entry, "hang-up")
    floor.deliver()


def board_redirect(floor: Floor, entry: QueueEntry) -> None:
    floor.act(entry, "redirect", url=FLOW)
    floor.deliver()
    floor.hang_up(entry)


def board_hang_up_politely(floor: Floor, entry: QueueEntry) -> None:
    floor.act(entry, "hang-up-politely")
    floor.deliver()
    floor.hang_up(entry)


def board_send_to_survey(floor: Floor, entry: QueueEntry) -> None:
    floor.act(entry, "send-to-survey")
    floor.deliver()
    floor.hang_up(entry)


def admin_redirect(floor: Floor, entry: QueueEntry, **when: str) -> None:
    """The calls admin's "Redirect to URL…" action on the caller's call."""
    form = {"action": "redirect_to_url", "apply": "Redirect", "url": FLOW, "method": "POST"}
    data = {**form, "fallback_method": "POST", "_selected_action": [entry.call.pk], **when}
    assert floor.supervisor.post(CALLS, data).status_code == 302


def admin_redirect_now(floor: Floor, entry: QueueEntry) -> None:
    admin_redirect(floor, entry)
    floor.deliver()
    floor.hang_up(entry)


def admin_redirect_scheduled(floor: Floor, entry: QueueEntry) -> None:
    admin_redirect(floor, entry, after_seconds="60")
    floor.deliver()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WAITING, "the caller waits until the redirect is due"
    floor.deliver(now=timezone.now() + dt.timedelta(seconds=61))
    floor.hang_up(entry)


def api_send_to_url(floor: Floor, entry: QueueEntry) -> None:
    url = f"/api/v1/calls/{entry.call.pk}/redirect/"
    response = floor.supervisor.post(url, {"url": FLOW}, content_type="application/json")
    assert response.status_code == 202, response.content
    floor.deliver()
    floor.hang_up(entry)


def api_send_to_survey(floor: Floor, entry: QueueEntry) -> None:
    response = floor.supervisor.post(f"/api/v1/queue-entries/{entry.pk}/send-to-survey/")
    assert response.status_code == 202, response.content
    floor.deliver()
    floor.hang_up(entry)


NONE = dict.fromkeys(
    ("answered", "abandoned", "overflowed", "ended_by_supervisor", "answered_in_time"), 0
)


@pytest.mark.parametrize(
    ("ending", "outcome", "tile"),
    [
        (answered, EntryOutcome.CONNECTED, "0%"),
        (caller_hung_up, EntryOutcome.ABANDONED, "100%"),
        (overflowed, EntryOutcome.OVERFLOWED, "0%"),
        (board_hang_up, EntryOutcome.ENDED_BY_SUPERVISOR, "0%"),
        (board_redirect, EntryOutcome.ENDED_BY_SUPERVISOR, "0%"),
        (board_hang_up_politely, EntryOutcome.ENDED_BY_SUPERVISOR, "0%"),
        (board_send_to_survey, EntryOutcome.ENDED_BY_SUPERVISOR, "0%"),
        (admin_redirect_now, EntryOutcome.ENDED_BY_SUPERVISOR, "0%"),
        (admin_redirect_scheduled, EntryOutcome.ENDED_BY_SUPERVISOR, "0%"),
        (api_send_to_url, EntryOutcome.ENDED_BY_SUPERVISOR, "0%"),
        (api_send_to_survey, EntryOutcome.ENDED_BY_SUPERVISOR, "0%"),
    ],
)
def test_each_way_a_wait_ends_is_counted_once_under_its_name(floor, ending, outcome, tile):
    entry = floor.caller("+14155550101")

    ending(floor, entry)

    entry.refresh_from_db()
    assert (entry.status, entry.outcome) == (EntryStatus.ENDED, outcome)
    today = timezone.localdate()
    [day] = figures.daily_figures(floor.queue, today, today)
    named = {
        EntryOutcome.CONNECTED: {"answered": 1, "answered_in_time": 1},
        EntryOutcome.ABANDONED: {"abandoned": 1},
        EntryOutcome.OVERFLOWED: {"overflowed": 1},
        EntryOutcome.ENDED_BY_SUPERVISOR: {"ended_by_supervisor": 1},
    }[outcome]
    waits = dataclasses.asdict(day.waits)
    assert {key: waits[key] for key in NONE} == NONE | named
    assert waits["callers"] == 1
    page = floor.supervisor.get(INDEX)
    tiles = {each.key: each.value for each in page.context["tiles"]}
    assert (tiles["calls-in"], tiles["abandoned"]) == ("1", tile)
    api = floor.supervisor.get(
        f"/api/v1/queues/{floor.queue.pk}/figures/", {"since": today, "until": today}
    ).json()
    assert [(row["entries"], row["abandoned"], row["ended_by_supervisor"]) for row in api] == [
        (1, named.get("abandoned", 0), named.get("ended_by_supervisor", 0))
    ]


def test_a_caller_who_hangs_up_before_a_scheduled_redirect_abandoned(floor):
    entry = floor.caller("+14155550101")
    admin_redirect(floor, entry, after_seconds="60")

    floor.hang_up(entry)
    floor.deliver(now=timezone.now() + dt.timedelta(seconds=61))

    entry.refresh_from_db()
    assert entry.outcome == EntryOutcome.ABANDONED
    assert Redirect.objects.get(call=entry.call).state == RedirectState.SKIPPED


def test_a_caller_talking_to_an_agent_stays_answered_when_a_supervisor_redirects(floor):
    entry = floor.caller("+14155550101")
    talking_to_an_agent(floor, entry)

    board_redirect(floor, entry)

    entry.refresh_from_db()
    assert (entry.status, entry.outcome) == (EntryStatus.ENDED, EntryOutcome.CONNECTED)


def test_a_caller_at_closed_hours_is_a_call_in_and_no_wait(floor, client):
    today = str(timezone.localtime().isoweekday())
    floor.queue.open_weekdays = "1234567".replace(today, "")
    floor.queue.save()
    InboundNumber.objects.create(phone_number=OUR_NUMBER, queue=floor.queue)
    params = {
        "CallSid": "CA" + "c" * 32,
        "From": "+14155550101",
        "To": OUR_NUMBER,
        "CallStatus": "ringing",
        "Direction": "inbound",
    }

    response = post_as_twilio(client, reverse("queues:voice"), params)

    assert floor.queue.closed_message in response.content.decode()
    today = timezone.localdate()
    assert figures.daily_figures(floor.queue, today, today) == []
    tiles = {each.key: each.value for each in floor.supervisor.get(INDEX).context["tiles"]}
    assert (tiles["calls-in"], tiles["abandoned"], tiles["service-level"]) == ("1", "—", "—")
