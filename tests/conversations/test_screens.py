"""A live conversation on the board and on the call's admin page: who sees its state,
who gets its buttons, and what a button asks for (recorded with its screen)."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import Call, Direction
from conversations import services
from conversations.models import ConversationAction, Participant
from tests.api.records import call_sid, make_call

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BOARD = reverse("admin:console_board")
ROWS = reverse("admin:console_board_rows")
SUPERVISION = ("listen", "whisper", "barge")


def in_conversation(agent_id: int | None = None) -> Call:
    """A customer and an agent (`agent_id`'s, if given) in the customer's conference,
    as Twilio told us."""
    call = make_call(direction=Direction.INBOUND, answered_at=timezone.now())
    conference = services.conference_open(call)
    agent_sid = call_sid()
    leg = make_call(sid=None, parent=call, to_number="+14155550123")
    services.participant_expect(
        conference, role="agent", label="agent", endpoint=leg.to_number, leg=leg, agent_id=agent_id
    )
    conference_sid = "CF" + uuid.uuid4().hex
    for sequence, sid in enumerate([call.sid, agent_sid]):
        services.conference_event_record(
            {
                "ConferenceSid": conference_sid,
                "SequenceNumber": str(sequence),
                "StatusCallbackEvent": "participant-join",
                "CallSid": sid,
                "ParticipantLabel": "agent" if sid == agent_sid else "customer",
            },
            conference_id=conference.pk,
        )
    return call


@pytest.fixture
def talking() -> Call:
    return in_conversation()


def buttons(html: str) -> set[str]:
    return {kind for kind in ("hold", "mute", *SUPERVISION, "end") if f'data-kind="{kind}"' in html}


def action_url(call, kind: str) -> str:
    return reverse("admin:conversations_call_action", args=[call.pk, kind])


def test_a_supervisor_gets_every_button_on_the_board_and_the_call_page(supervisor, talking):
    rows = supervisor.get(ROWS).content.decode()
    assert buttons(rows) == {"hold", "mute", *SUPERVISION, "end"}
    page = supervisor.get(reverse("admin:calls_call_change", args=[talking.pk])).content.decode()
    assert buttons(page) == {"hold", "mute", *SUPERVISION, "end"}
    assert 'data-role="agent"' in page


def test_a_whisper_from_the_board_is_recorded_with_its_screen_and_on_the_timeline(
    supervisor, talking
):
    response = supervisor.post(
        action_url(talking, "whisper"),
        {"to": "+14155550777", "after_seconds": "30", "screen": "board", "next": BOARD},
    )
    assert response.status_code == 302 and response.url == BOARD
    [action] = ConversationAction.objects.all()
    assert (action.kind, action.origin, action.state) == ("whisper", "board", "scheduled")
    assert action.requested_by == supervisor.user and action.params == {"to": "+14155550777"}
    timeline = supervisor.get(reverse("admin:console_call_timeline", args=[talking.pk]))
    assert "Whisper requested" in timeline.content.decode()


def test_a_refused_action_says_why_and_records_nothing(supervisor, talking):
    url = action_url(talking, "listen")
    response = supervisor.post(url, {"to": "nobody", "screen": "admin"}, follow=True)
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Listen: refused.")
    assert not ConversationAction.objects.exists()


def test_a_viewer_sees_who_is_in_the_room_and_no_button_and_is_refused_each_action(viewer, talking):
    page = viewer.get(reverse("admin:calls_call_change", args=[talking.pk])).content.decode()
    assert 'data-role="agent"' in page and buttons(page) == set()
    rows = viewer.get(ROWS).content.decode()
    assert 'data-role="agent"' in rows and buttons(rows) == set()
    for kind in ("hold", "unhold", "mute", "unmute", *SUPERVISION, "leave", "end"):
        posted = viewer.post(action_url(talking, kind), {"to": "+14155550777", "screen": "admin"})
        assert posted.status_code == 403, kind
    assert not ConversationAction.objects.exists()


def test_the_room_names_each_person_not_the_label_twilio_needs(supervisor, talking):
    conference = talking.conferences.get()
    leg = make_call(sid=None, parent=talking, to_number="+14155550777")
    services.participant_expect(
        conference, role="supervisor", label="listen-7", endpoint=leg.to_number, leg=leg
    )
    Participant.objects.filter(conference=conference).update(joined_at=timezone.now())

    rows = supervisor.get(ROWS).content.decode()

    assert ">Supervisor (+1 415-555-0777)</li>" in rows
    assert '">+1 415-555-0777</option>' in rows  # whom "Let go" may take out
    assert "listen-7" not in rows
