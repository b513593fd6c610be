"""The live board: who sees what, who may act, and each action through its service,
recorded with the user who asked."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from callcenter import formats
from calls.models import Call, CallStatus, Direction, Redirect, RedirectState, Source
from campaigns.models import Attempt, Campaign
from console.selectors.board import RECENT_ACTIONS
from conversations.models import ActionState, ConversationAction, Origin
from conversations.services import conference_open
from queues.models import EntryOutcome, EntryStatus, QueueEntry
from recordings.models import Recording, RecordingAction
from tests.api.records import make_call, make_redirect
from tests.campaigns.factories import campaign, with_contacts
from tests.conversations.test_screens import in_conversation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BOARD = reverse("admin:console_board")
ROWS = reverse("admin:console_board_rows")


def act(client, call, action: str, **data):
    url = reverse("admin:console_call_action", args=[call.pk, action])
    return client.post(url, {"next": BOARD, **data})


def said(client, call, action: str, **data) -> list[str]:
    """The messages the board shows after the action (confirmed, when it asks), with
    each time of day as HH:MM."""
    url = reverse("admin:console_call_action", args=[call.pk, action])
    response = client.post(url, {"next": BOARD, "confirmed": "yes", **data}, follow=True)
    assert response.redirect_chain == [(BOARD, 302)]
    return [re.sub(r"\b\d\d:\d\d\b", "HH:MM", str(m)) for m in response.context["messages"]]


@pytest.fixture
def waiting(caller) -> QueueEntry:
    entry = caller("+14155550101")
    QueueEntry.objects.filter(pk=entry.pk).update(
        enqueued_at=timezone.now() - dt.timedelta(seconds=75)
    )
    return entry


@pytest.fixture
def talking():
    return make_call(to_number="+14155550199", answered_at=timezone.now())


def test_the_board_shows_callers_waiting_and_calls_in_progress_with_their_times(
    supervisor, waiting, talking, make_agent
):
    make_agent("Ann")

    response = supervisor.get(BOARD)

    assert response.status_code == 200
    [waiting_row] = response.context["board"].waiting
    assert (waiting_row.party, waiting_row.state) == ("+1 415-555-0101", "On hold in Support")
    assert waiting_row.elapsed in ("1:15", "1:16")
    [talking_row] = response.context["board"].in_progress
    assert (talking_row.party, talking_row.state) == ("+1 415-555-0199", "In progress")
    page = response.content.decode()
    assert 'id="waiting-callers"' in page and 'id="calls-in-progress"' in page
    assert 'data-rows-url="/admin/console/board/rows/"' in page
    assert "console/board.js" in page


def test_a_supervisor_gets_the_actions_that_apply_to_each_row(
    supervisor, waiting, talking, make_agent
):
    make_agent("Ann")
    make_agent("Bob", available=False)

    response = supervisor.get(ROWS)

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    [on_hold] = response.context["waiting"]
    assert [a.slug for a in on_hold.actions] == [
        "take-off-hold",
        "send-to-survey",
        "redirect",
        "hang-up-politely",
        "hang-up",
    ]
    assert [agent.name for agent in on_hold.agents] == ["Ann"]
    [other] = response.context["in_progress"]
    assert [a.slug for a in other.actions] == ["redirect", "hang-up"]
    page = response.content.decode()
    assert page.count('data-action="take-off-hold"') == 1
    assert page.count('data-action="hang-up"') == 2
    assert "csrfmiddlewaretoken" in page


def test_a_viewer_sees_the_floor_but_no_action(viewer, waiting, talking):
    for url in (BOARD, ROWS):
        response = viewer.get(url)
        page = response.content.decode()
        assert response.status_code == 200
        assert "+1 415-555-0101" in page and "+1 415-555-0199" in page
        assert "data-action" not in page and "<form" not in page.split('id="live-board"')[-1]
        assert "Actions</th>" not in page


def test_a_forged_post_from_a_viewer_is_refused_and_changes_nothing(viewer, waiting, talking):
    for call, action in ((waiting.call, "take-off-hold"), (talking, "hang-up")):
        assert act(viewer, call, action).status_code == 403
    assert not Redirect.objects.exists()
    waiting.refresh_from_db()
    assert waiting.status == EntryStatus.WAITING


def test_anonymous_people_are_sent_to_the_login(client, talking):
    response = client.post(reverse("admin:console_call_action", args=[talking.pk, "hang-up"]))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Redirect.objects.exists()


def test_taking_a_caller_off_hold_records_who_asked(supervisor, waiting, make_agent):
    make_agent("Ann")
    bob = make_agent("Bob")

    assert said(supervisor, waiting.call, "take-off-hold", agent=bob.pk) == [
        "Connecting the call from +1 415-555-0101 to Bob (asked at HH:MM)."
    ]
    waiting.refresh_from_db()
    assert (waiting.status, waiting.agent) == (EntryStatus.OFFERED, bob)
    redirect = Redirect.objects.get(call=waiting.call)
    assert (redirect.requested_by, redirect.origin) == (supervisor.user, Source.ADMIN)
    assert "<Dial" in redirect.twiml and redirect.state == RedirectState.QUEUED


def test_next_available_agent_is_the_longest_idle(supervisor, waiting, make_agent):
    ann = make_agent("Ann")
    make_agent("Bob")

    act(supervisor, waiting.call, "take-off-hold", agent="")

    waiting.refresh_from_db()
    assert waiting.agent == ann


@pytest.mark.parametrize(
    ("action", "message", "sent"),
    [
        (
            "send-to-survey",
            "Sending the call from +1 415-555-0101 to the survey (asked at HH:MM).",
            "/twilio/surveys/",
        ),
        (
            "hang-up-politely",
            "Hanging up the call from +1 415-555-0101 politely: they hear goodbye first "
            "(asked at HH:MM).",
            "<Hangup",
        ),
    ],
)
def test_queue_actions_end_the_stay_and_record_the_redirect(
    supervisor, waiting, action, message, sent
):
    assert said(supervisor, waiting.call, action) == [message]
    redirect = Redirect.objects.get(call=waiting.call, requested_by=supervisor.user)
    assert sent in redirect.url + redirect.twiml
    waiting.refresh_from_db()
    assert (waiting.status, waiting.outcome) == (
        EntryStatus.ENDED,
        EntryOutcome.ENDED_BY_SUPERVISOR,
    )


def test_redirect_and_hang_up_go_through_the_calls_services(supervisor, talking):
    assert said(supervisor, talking, "redirect", url="flows.example.com/next") == [
        "Redirecting the call to +1 415-555-0199 to https://flows.example.com/next "
        "(asked at HH:MM)."
    ]
    assert said(supervisor, talking, "hang-up") == [
        "Hanging up the call to +1 415-555-0199 (asked at HH:MM)."
    ]

    redirect, hang_up = Redirect.objects.filter(call=talking).order_by("id")
    assert redirect.url == "https://flows.example.com/next"
    assert hang_up.target_status == CallStatus.COMPLETED
    assert {redirect.requested_by, hang_up.requested_by} == {supervisor.user}


def test_refusals_come_back_as_messages_and_change_nothing(supervisor, waiting, talking):
    assert said(supervisor, waiting.call, "take-off-hold") == [
        "Take off hold the call from +1 415-555-0101: refused. No agent of Support is available."
    ]
    assert said(supervisor, talking, "redirect", url="not a url") == [
        "Redirect the call to +1 415-555-0199: Enter a valid URL."
    ]
    talking.status = CallStatus.COMPLETED
    talking.save()
    [ended] = said(supervisor, talking, "hang-up")
    assert ended.startswith("Hang up the call to +1 415-555-0199: refused.")
    assert said(supervisor, talking, "send-to-survey") == [
        "Send to survey the call to +1 415-555-0199: refused. This caller is no longer in a queue."
    ]
    assert not Redirect.objects.exists()
    waiting.refresh_from_db()
    assert waiting.status == EntryStatus.WAITING


def test_an_action_is_posted_once_to_a_known_name(supervisor, talking):
    url = reverse("admin:console_call_action", args=[talking.pk, "hang-up"])

    assert supervisor.get(url).status_code == 405
    assert act(supervisor, talking, "explode").status_code == 404
    assert not Redirect.objects.exists()


def test_only_our_own_pages_are_gone_back_to(supervisor, talking):
    response = supervisor.post(
        reverse("admin:console_call_action", args=[talking.pk, "hang-up"]),
        {"next": "https://evil.example.com/", "confirmed": "yes"},
    )

    assert response["Location"] == BOARD


def test_recent_actions_tell_how_each_went_with_twilios_code(supervisor, talking):
    make_redirect(
        talking,
        origin=Source.ADMIN,
        requested_by=supervisor.user,
        state=RedirectState.FAILED,
        error_code=21220,
        error_message="Call is not in-progress. Cannot redirect.",
    )

    page = supervisor.get(ROWS).content.decode()

    assert "Twilio 21220" in page and "Call is not in-progress. Cannot redirect." in page
    assert supervisor.user.username in page


def recent_actions(page: str) -> list[list[str]]:
    """The rows of the board's "Recent actions", each the text of its cells."""
    table = page.split('id="recent-actions"')[1].split("</table>")[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr class=.*?</tr>", table, re.S)
    ]


def test_recent_actions_list_conversation_and_recording_actions_with_redirects_newest_first(
    supervisor, talking
):
    """What supervisors asked of a conversation (a hold, a transfer) and of a recording
    (a pause) is as much a change as a redirect: the board lists them all."""
    held = in_conversation()
    make_redirect(talking, origin=Source.ADMIN, requested_by=supervisor.user)
    ConversationAction.objects.create(
        call=held,
        conference=held.conferences.get(),
        kind="hold",
        origin=Origin.BOARD,
        requested_by=supervisor.user,
        state=ActionState.FAILED,
        error_code=20404,
    )
    recording = Recording.objects.create(call=held, sid="RE" + "0" * 32, retention_days=30)
    RecordingAction.objects.create(
        recording=recording, kind="pause", origin=Source.ADMIN, requested_by=supervisor.user
    )

    rows = recent_actions(supervisor.get(ROWS).content.decode())

    who = supervisor.user.username
    assert [(row[1], row[2], row[4]) for row in rows] == [
        (who, "Pause recording", "Requested"),
        (who, "Hold", "Failed: Twilio 20404"),
        (who, "Redirect", "Scheduled"),
    ]


def test_outbound_calls_not_yet_ringing_are_shown_as_dialing(supervisor):
    make_call(direction=Direction.OUTBOUND_API, status=CallStatus.QUEUED, to_number="+14155550177")

    [row] = supervisor.get(ROWS).context["board"].in_progress

    assert (row.party, row.state) == ("+1 415-555-0177", "Dialing")


# Every query a refresh of the board's rows makes, whatever the size of the floor: the
# session and user, its queues, agents, calls, scheduled changes, recent actions (redirects,
# conversation actions, recording actions) and the names of the calls it shows (one query
# per app that knows names), the live conversations with the kinds the user may ask, and
# the open recordings.
BOARD_ROWS_QUERIES = 20


def dialed_contact(reminders: Campaign, number: str, name: str, answered_ago: int = 0) -> Call:
    """A call of the campaign to a contact with a name, answered `answered_ago` s ago."""
    with_contacts(reminders, f"{number},{name}")
    call = make_call(
        from_number=reminders.caller_id,
        to_number=number,
        source=Source.CAMPAIGN,
        answered_at=timezone.now() - dt.timedelta(seconds=answered_ago),
    )
    Attempt.objects.create(contact=reminders.contacts.get(phone_number=number), number=1, call=call)
    return call


def test_the_board_names_each_call_by_its_parties_and_writes_times_as_everywhere(
    supervisor, waiting, make_agent
):
    make_agent("Ann")
    dialed = dialed_contact(campaign(), "+12125550101", "Bea", answered_ago=65)
    make_redirect(
        dialed, origin=Source.ADMIN, state=RedirectState.DONE, requested_by=supervisor.user
    )

    response = supervisor.get(ROWS)

    [row] = response.context["board"].in_progress
    assert row.party == "Bea (+1 212-555-0101)"
    assert row.elapsed in (formats.duration(65), formats.duration(66))
    page = response.content.decode()
    in_progress = page.split('id="calls-in-progress"')[1].split("</table>")[0]
    assert '<span class="party-name">Bea</span>' in in_progress
    recent = page.split('id="recent-actions"')[1].split("</table>")[0]
    assert "Reminders (+1 415-555-0100) → Bea (+1 212-555-0101)" in recent
    assert dialed.sid not in recent
    assert f"As of {formats.clock(response.context['board'].at)}." in page


def test_the_boards_rows_take_a_fixed_number_of_queries_however_busy_the_floor(
    supervisor, caller, make_agent, django_assert_max_num_queries
):
    """The board refreshes every 2 s for every supervisor watching: naming its calls
    by their parties must not cost a query a row."""
    make_agent("Ann")
    reminders = campaign()
    for n in range(20):
        caller(f"+141555502{n:02}")
        dialed = dialed_contact(reminders, f"+121255503{n:02}", f"Contact {n}")
        make_redirect(dialed, origin=Source.ADMIN, state=RedirectState.DONE)
    for _ in range(RECENT_ACTIONS):
        ended = make_call(status=CallStatus.COMPLETED)
        conference = conference_open(ended)
        ConversationAction.objects.create(
            call=ended, conference=conference, kind="hold", origin=Origin.BOARD
        )
        recording = Recording.objects.create(call=ended, sid=f"RE{ended.pk:032}", retention_days=30)
        RecordingAction.objects.create(recording=recording, kind="pause", origin=Source.ADMIN)

    with django_assert_max_num_queries(BOARD_ROWS_QUERIES):
        response = supervisor.get(ROWS)

    board = response.context["board"]
    assert (len(board.waiting), len(board.in_progress)) == (20, 20)
    assert len(board.recent_actions) == RECENT_ACTIONS
    assert board.in_progress[-1].party == "Contact 19 (+1 212-555-0319)"
