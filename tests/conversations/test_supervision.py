"""Which supervisor's action is refused before anything is sent: the mode already in
force for the supervisor at that address, or a whisper with no agent to coach."""

from __future__ import annotations

import pytest
from django.utils import timezone

from calls.exceptions import RuleViolation
from calls.models import Call, CallStatus
from conversations import services
from conversations.models import Conference, ConversationAction, Participant, Role
from tests.conversations.test_actions import call as call
from tests.conversations.test_actions import conference as conference

SUPERVISOR_PHONE = "+14155550777"
ANN_SID = "CA" + "a" * 32
BOB_SID = "CA" + "b" * 32
SUPERVISOR_SID = "CA" + "5" * 32


@pytest.fixture
def room(conference: Conference) -> Conference:
    """The caller and Ann, the agent, in the conversation."""
    conference.participants.update(joined_at=timezone.now())
    in_the_room(conference, Role.AGENT, ANN_SID)
    return conference


def in_the_room(conference: Conference, role: str, call_sid: str, **flags) -> Participant:
    return Participant.objects.create(
        conference=conference, role=role, call_sid=call_sid, joined_at=timezone.now(), **flags
    )


def supervisor(conference: Conference, *, coaching: str = "", **flags) -> Participant:
    """The supervisor on SUPERVISOR_PHONE, whispering to `coaching` when given."""
    found = in_the_room(
        conference,
        Role.SUPERVISOR,
        SUPERVISOR_SID,
        endpoint=SUPERVISOR_PHONE,
        coaching=bool(coaching),
        **flags,
    )
    conference.events.create(
        conference_sid=conference.sid,
        sequence_number=7,
        event="participant-modify",
        call_sid=SUPERVISOR_SID,
        params={"CallSidToCoach": coaching} if coaching else {},
    )
    return found


def refusal(call: Call, kind: str, to: str = SUPERVISOR_PHONE) -> RuleViolation:
    with pytest.raises(RuleViolation) as refused:
        services.action_request(call, kind, {"to": to})
    return refused.value


def test_the_mode_in_force_is_refused_on_to_whatever_the_number_looks_like(room, call):
    supervisor(room, muted=True)
    refused = refusal(call, "listen", to="(415) 555-0777")
    assert (refused.field, refused.code) == ("to", "already")
    assert "already listening" in refused.message
    assert not ConversationAction.objects.exists()


def test_a_listening_supervisor_may_whisper_or_barge(room, call):
    supervisor(room, muted=True)
    for kind in ("whisper", "barge"):
        assert services.action_request(call, kind, {"to": SUPERVISOR_PHONE}).params == {
            "to": SUPERVISOR_PHONE
        }


def test_barging_again_is_refused_but_another_supervisor_may_barge(room, call):
    supervisor(room)
    assert "already barging in" in refusal(call, "barge").message
    services.action_request(call, "barge", {"to": "+14155550778"})


def test_whispering_again_is_refused_only_to_the_same_agent(room, call):
    supervisor(room, coaching=ANN_SID)
    assert "already whispering" in refusal(call, "whisper").message
    room.participants.filter(call_sid=ANN_SID).update(left_at=timezone.now())
    in_the_room(room, Role.AGENT, BOB_SID)
    services.action_request(call, "whisper", {"to": SUPERVISOR_PHONE})


def test_a_whisper_with_no_agent_in_the_room_is_refused(room, call):
    supervisor(room, muted=True)
    room.participants.filter(role=Role.AGENT).update(left_at=timezone.now())
    refused = refusal(call, "whisper")
    assert (refused.field, refused.code) == ("call", "absent")


def test_a_supervisor_still_ringing_is_not_dialed_twice(room, call):
    leg = Call.objects.create(to_number=SUPERVISOR_PHONE, status=CallStatus.RINGING)
    Participant.objects.create(
        conference=room, role=Role.SUPERVISOR, call=leg, endpoint=SUPERVISOR_PHONE
    )
    refused = refusal(call, "barge")
    assert (refused.field, refused.code) == ("to", "dialing")
    leg.status = CallStatus.NO_ANSWER
    leg.save()
    services.action_request(call, "barge", {"to": SUPERVISOR_PHONE})
