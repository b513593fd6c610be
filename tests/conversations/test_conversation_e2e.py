"""Conversations on voicesim with a real worker and beat: a caller taken off hold meets
the agent in a conference; hold, listen, whisper and barge, each asked over the API,
change who hears whom, as each party's transcript shows."""

from __future__ import annotations

import httpx
import pytest

from calls.models import Call, CallStatus
from conversations.models import (
    ActionState,
    Conference,
    ConferenceEvent,
    ConversationAction,
    Participant,
    Role,
)
from queues.models import EndpointKind, EntryStatus, QueueEntry
from tests.queues.test_e2e import agent, call_in, heard, refreshed, said_on, sign_in
from tests.queues.test_e2e import support as support
from tests.support.api_clients import live_api_client
from tests.support.processes import wait_until
from tests.support.voicesim import VoiceSim

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

SUPERVISOR_PHONE = "+14155550777"
WHISPERER_PHONE = "+14155550778"
ACTION_KINDS = ("hold", "unhold", "mute", "unmute", "listen", "whisper", "barge", "leave", "end")


@pytest.fixture
def api(live_server, stack) -> httpx.Client:
    """An internal tool with the Integrations role."""
    with live_api_client(live_server, "Integrations") as client:
        yield client


@pytest.fixture
def talking(stack: VoiceSim, support, api) -> QueueEntry:
    """A caller taken off hold and talking with Ann."""
    ann = agent(support, "Ann", EndpointKind.NUMBER, "+14155550123")
    sign_in(api, ann)
    _, entry = call_in(stack, "+14155550101")
    api.post(f"queue-entries/{entry.pk}/take-off-hold/", json={"agent": ann.pk}).raise_for_status()
    wait_until(lambda: refreshed(entry).status == EntryStatus.CONNECTED)
    wait_until(lambda: heard(stack, entry.agent_leg.sid, "conference-joined"))
    wait_until(lambda: heard(stack, entry.call.sid, "conference-joined"))
    # The record shows both in the room (what the board shows) once Twilio has said so.
    in_the_room = Participant.objects.filter(conference__call=entry.call, joined_at__isnull=False)
    wait_until(lambda: in_the_room.count() == 2)
    return entry


def says(sim: VoiceSim, sid: str, text: str) -> set[str]:
    """`sid`'s far end says `text` in the room; the calls that heard it."""
    return set(sim.sim("POST", f"calls/{sid}/say", json={"text": text}).json()["heard_by"])


def speech(sim: VoiceSim, sid: str) -> list[str]:
    return [h["text"] for h in heard(sim, sid, "heard") if h.get("text")]


def asked(api: httpx.Client, entry: QueueEntry, kind: str, **fields) -> ConversationAction:
    """Ask for an action over the API and wait until Twilio has done it."""
    answer = api.post(
        f"calls/{entry.call.sid}/conversation/actions/", json={"kind": kind, **fields}
    )
    assert answer.status_code == 202, answer.text
    action = ConversationAction.objects.get(pk=answer.json()["id"])
    wait_until(lambda: ConversationAction.objects.get(pk=action.pk).state == ActionState.DONE)
    return ConversationAction.objects.get(pk=action.pk)


def joined(sim: VoiceSim, action: ConversationAction) -> str:
    """The call SID of the participant the action dialed in, once it is in the room."""
    sid = wait_until(lambda: ConversationAction.objects.get(pk=action.pk).participant.call_sid)
    wait_until(lambda: heard(sim, sid, "conference-joined"))
    return sid


def test_a_caller_taken_off_hold_meets_the_agent_in_a_conference(stack, support, talking):
    caller, ann = talking.call.sid, talking.agent_leg.sid

    assert says(stack, ann, "Hello, Ann speaking.") == {caller}
    assert says(stack, caller, "Hi Ann.") == {ann}
    assert speech(stack, caller) == ["Hello, Ann speaking."]

    conference = Conference.objects.get(call=talking.call)
    wait_until(lambda: Conference.objects.get(pk=conference.pk).status == "in-progress")
    conference.refresh_from_db()
    assert conference.sid.startswith("CF")
    roles = {p.role: p for p in conference.participants.all()}
    assert (roles[Role.CUSTOMER].call_sid, roles[Role.AGENT].call_sid) == (caller, ann)
    assert roles[Role.AGENT].agent == talking.agent
    assert all(p.joined_at is not None for p in roles.values())

    # Ann hangs up: the room ends and the caller hears the survey.
    stack.sim("POST", f"calls/{ann}/hangup")
    question = "Rate your agent. Press a key from 1 to 5."
    wait_until(lambda: question in said_on(stack, caller))
    wait_until(lambda: Conference.objects.get(pk=conference.pk).status == "completed")
    assert all(p.left_at is not None for p in conference.participants.all())
    events = ConferenceEvent.objects.filter(conference=conference)
    assert {"conference-start", "participant-join", "participant-leave", "conference-end"} <= set(
        events.values_list("event", flat=True)
    )


def test_on_hold_the_caller_hears_the_music_and_nobody_hears_them(stack, talking, api):
    caller, ann = talking.call.sid, talking.agent_leg.sid

    hold = asked(api, talking, "hold")
    assert (hold.origin, hold.requested_by.groups.get().name) == ("api", "Integrations")
    wait_until(lambda: [h for h in heard(stack, caller, "heard") if h["source"] == "hold-music"])
    assert says(stack, ann, "Let me check that.") == set()
    assert says(stack, caller, "Hello?") == set()
    assert [h for h in heard(stack, ann, "heard") if h["source"] == "hold-music"] == []

    asked(api, talking, "unhold")
    assert says(stack, ann, "Thanks for holding.") == {caller}
    assert speech(stack, caller) == ["Thanks for holding."]
    assert "Hello?" not in speech(stack, ann)


def test_a_supervisor_listens_whispers_and_barges(stack, talking, api):
    caller, ann = talking.call.sid, talking.agent_leg.sid

    listener = joined(stack, asked(api, talking, "listen", to=SUPERVISOR_PHONE))
    assert says(stack, listener, "Just listening.") == set()
    assert says(stack, caller, "My order is late.") == {ann, listener}

    whisperer = joined(stack, asked(api, talking, "whisper", to=WHISPERER_PHONE))
    assert says(stack, whisperer, "Offer a refund.") == {ann}
    assert "Offer a refund." not in speech(stack, caller)

    barger = joined(stack, asked(api, talking, "barge", to="+14155550779"))
    assert says(stack, barger, "I can help.") == {caller, ann, listener, whisperer}
    assert "I can help." in speech(stack, caller)


def test_a_scheduled_barge_fires_on_time(stack, talking, api):
    answer = api.post(
        f"calls/{talking.call.sid}/conversation/actions/",
        json={"kind": "barge", "to": SUPERVISOR_PHONE, "after_seconds": 3},
    )
    assert answer.status_code == 202, answer.text
    action = ConversationAction.objects.get(pk=answer.json()["id"])
    assert action.state == ActionState.SCHEDULED
    wait_until(lambda: ConversationAction.objects.get(pk=action.pk).state == ActionState.DONE)
    action.refresh_from_db()
    assert action.sent_at >= action.due_at
    barger = joined(stack, action)
    assert says(stack, barger, "Hello both.") == {talking.call.sid, talking.agent_leg.sid}


def test_a_viewer_is_refused_every_action(live_server, stack, talking):
    with live_api_client(live_server, "Viewers") as viewer:
        for kind in ACTION_KINDS:
            answer = viewer.post(
                f"calls/{talking.call.sid}/conversation/actions/",
                json={"kind": kind, "to": SUPERVISOR_PHONE},
            )
            assert answer.status_code == 403, (kind, answer.text)
        assert viewer.get(f"calls/{talking.call.sid}/conversation/").status_code == 200
    assert not ConversationAction.objects.exclude(kind="connect").exists()


def test_bad_input_names_the_field_and_a_call_without_a_conversation_is_a_conflict(
    stack, talking, api
):
    url = f"calls/{talking.call.sid}/conversation/actions/"
    assert api.post(url, json={"kind": "listen", "to": "not a number"}).json().keys() == {"to"}
    assert api.post(url, json={"kind": "mute", "who": "everyone"}).json().keys() == {"who"}
    assert api.post(url, json={"kind": "dance"}).json().keys() == {"kind"}
    ended = Call.objects.create(to_number="+14155550100", status=CallStatus.COMPLETED)
    answer = api.post(f"calls/{ended.pk}/conversation/actions/", json={"kind": "hold"})
    assert (answer.status_code, answer.json()["code"]) == (409, "no_conversation")
    assert not ConversationAction.objects.exclude(kind="connect").exists()
