"""Conferences: ``<Dial><Conference>``, the Conferences and Participants
resources through the official client, and who hears whom in the room."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.twiml.voice_response import Dial, VoiceResponse

from tests.voicesim.conftest import App, Sim

CENTER = "+14155550100"
_numbers = itertools.count(4155557000)
LONG_TALK = 10**6


def person(sim: Sim) -> str:
    """A fresh number whose far end answers and stays on the line."""
    number = f"+1{next(_numbers)}"
    sim.phonebook(number, kind="human", answer_after=1, talk_for=LONG_TALK)
    return number


def room_document(name: str, after: str = "", **conference: object) -> str:
    response = VoiceResponse()
    dial = Dial()
    dial.conference(name, **conference)
    response.append(dial)
    if after:
        response.say(after)
    return str(response)


@dataclass
class Room:
    sid: str
    caller: str
    agent: str


def open_room(sim: Sim, app: App, name: str, after: str = "", **agent: object) -> Room:
    """A caller waiting in conference ``name`` (by TwiML), then an agent called in."""
    caller = sim.create(
        to=person(sim),
        from_=CENTER,
        twiml=room_document(name, after, start_conference_on_enter=False, beep="false"),
    )
    joined = sim.wait_event(caller.sid, "conference-joined")
    participant = sim.client.conferences(joined["conference"]).participants.create(
        from_=CENTER, to=person(sim), label="agent", **agent
    )
    sim.wait_event(participant.call_sid, "conference-joined")
    return Room(joined["conference"], caller.sid, participant.call_sid)


def call_in(sim: Sim, room: Room, **options: object) -> str:
    participant = sim.client.conferences(room.sid).participants.create(
        from_=CENTER, to=person(sim), **options
    )
    sim.wait_event(participant.call_sid, "conference-joined")
    return participant.call_sid


def close(sim: Sim, room: Room) -> None:
    if sim.client.conferences(room.sid).fetch().status != "completed":
        sim.client.conferences(room.sid).update(status="completed")


def test_caller_and_agent_hear_each_other_and_the_room_is_listed(sim: Sim, app: App) -> None:
    room = open_room(sim, app, "support-1")

    conference = sim.client.conferences(room.sid).fetch()
    assert (conference.friendly_name, conference.status) == ("support-1", "in-progress")
    listed = sim.client.conferences.list(friendly_name="support-1", status="in-progress")
    assert [c.sid for c in listed] == [room.sid]
    members = sim.client.conferences(room.sid).participants.list()
    assert {p.call_sid for p in members} == {room.caller, room.agent}
    assert all(p.status == "connected" for p in members)
    assert sim.client.conferences(room.sid).participants("agent").fetch().call_sid == room.agent

    assert sim.say(room.caller, "I have a problem with my bill") == [room.agent]
    assert sim.say(room.agent, "Let me look at it") == [room.caller]
    [heard] = sim.heard(room.agent, "speech")
    assert (heard["speaker"], heard["text"]) == (room.caller, "I have a problem with my bill")
    close(sim, room)


def test_the_first_caller_hears_the_wait_music_until_the_agent_starts_the_room(
    sim: Sim, app: App
) -> None:
    room = open_room(sim, app, "support-wait")

    [music] = sim.heard(room.caller, "wait-music")
    assert "holdmusic" in music["url"]
    assert sim.heard(room.agent, "wait-music") == []
    close(sim, room)


def test_on_hold_the_caller_hears_hold_music_and_the_agent_hears_nothing(
    sim: Sim, app: App
) -> None:
    app.route("hold", "<Response><Play>https://example.com/jazz.mp3</Play></Response>")
    room = open_room(sim, app, "support-hold")
    caller = sim.client.conferences(room.sid).participants(room.caller)

    assert caller.update(hold=True, hold_url=app.url("hold")).hold is True
    sim.wait_event(room.caller, "heard", source="hold-music")
    assert sim.say(room.agent, "Checking with billing") == []
    assert sim.say(room.caller, "Hello? Anyone?") == []
    held = [p.call_sid for p in sim.client.conferences(room.sid).participants.list(hold=True)]
    assert held == [room.caller]

    caller.update(hold=False)
    assert sim.say(room.agent, "Thanks for waiting") == [room.caller]
    [music] = sim.heard(room.caller, "hold-music")
    assert music["url"] == "https://example.com/jazz.mp3"
    assert sim.heard(room.agent, "hold-music") == []
    assert [h["text"] for h in sim.heard(room.caller, "speech")] == ["Thanks for waiting"]
    assert [h["text"] for h in sim.heard(room.agent, "speech")] == []
    close(sim, room)


def test_warm_transfer_a_third_party_joins_the_agent_leaves_the_caller_stays(
    sim: Sim, app: App
) -> None:
    room = open_room(sim, app, "support-transfer")
    conference = sim.client.conferences(room.sid)
    conference.participants(room.caller).update(hold=True)

    billing = call_in(sim, room, label="billing")
    assert sim.say(room.agent, "I have a customer about a refund") == [billing]
    conference.participants(room.caller).update(hold=False)
    conference.participants(room.agent).delete()

    assert {p.call_sid for p in conference.participants.list()} == {room.caller, billing}
    assert sim.say(billing, "Hello, I can help with the refund") == [room.caller]
    assert conference.fetch().status == "in-progress"
    sim.wait_status(room.agent, "completed")
    with pytest.raises(TwilioRestException) as error:
        conference.participants(room.agent).fetch()
    assert error.value.status == 404
    close(sim, room)


def test_a_coach_is_heard_by_the_agent_only_and_hears_everyone(sim: Sim, app: App) -> None:
    room = open_room(sim, app, "support-coach")
    coach = call_in(sim, room, coaching=True, call_sid_to_coach=room.agent, label="coach")

    assert sim.say(coach, "Offer the loyalty discount") == [room.agent]
    assert [h["source"] for h in sim.heard(room.agent) if h.get("speaker") == coach] == ["coach"]
    assert [h for h in sim.heard(room.caller) if h.get("speaker") == coach] == []
    assert set(sim.say(room.caller, "Is there any discount?")) == {room.agent, coach}

    participant = sim.client.conferences(room.sid).participants(coach)
    assert participant.fetch().call_sid_to_coach == room.agent
    participant.update(coaching=False)
    assert set(sim.say(coach, "Hello, I am the supervisor")) == {room.agent, room.caller}
    close(sim, room)


def test_nobody_hears_a_muted_participant(sim: Sim, app: App) -> None:
    room = open_room(sim, app, "support-mute")
    participant = sim.client.conferences(room.sid).participants(room.agent)

    assert participant.update(muted=True).muted is True
    assert sim.say(room.agent, "typing noises") == []
    participant.update(muted=False)
    assert sim.say(room.agent, "Back with you") == [room.caller]
    close(sim, room)


def test_announcements_reach_everyone_or_the_one_participant(sim: Sim, app: App) -> None:
    app.route("all", "<Response><Say>This call is recorded</Say></Response>")
    app.route("agent", "<Response><Say>Your next call is waiting</Say></Response>")
    room = open_room(sim, app, "support-announce")
    conference = sim.client.conferences(room.sid)

    conference.update(announce_url=app.url("all"))
    conference.participants(room.agent).update(announce_url=app.url("agent"))
    sim.wait_event(room.agent, "heard", text="Your next call is waiting")
    sim.wait_event(room.caller, "heard", text="This call is recorded")

    def announced(sid: str) -> list[str]:
        return [h["text"] for h in sim.heard(sid, "announcement")]

    assert sorted(announced(room.agent)) == ["This call is recorded", "Your next call is waiting"]
    assert announced(room.caller) == ["This call is recorded"]
    close(sim, room)


def test_conference_status_callbacks_follow_the_room(sim: Sim, app: App) -> None:
    events = "start end join leave hold mute"
    caller = sim.create(
        to=person(sim),
        twiml=room_document(
            "support-events",
            start_conference_on_enter=False,
            status_callback=app.url("room"),
            status_callback_event=events,
        ),
    )
    room_sid = sim.wait_event(caller.sid, "conference-joined")["conference"]
    agent = sim.client.conferences(room_sid).participants.create(
        from_=CENTER, to=person(sim), end_conference_on_exit=True
    )
    sim.wait_event(agent.call_sid, "conference-joined")
    sim.client.conferences(room_sid).participants(caller.sid).update(hold=True)
    sim.client.conferences(room_sid).participants(agent.call_sid).update(muted=True)
    sim.hang_up(agent.call_sid)

    hits = app.wait_for("room", 8)
    assert [(h.get("StatusCallbackEvent"), h.get("CallSid")) for h in hits] == [
        ("participant-join", caller.sid),
        ("participant-join", agent.call_sid),
        ("conference-start", None),
        ("participant-hold", caller.sid),
        ("participant-mute", agent.call_sid),
        ("participant-leave", agent.call_sid),
        ("participant-leave", caller.sid),
        ("conference-end", None),
    ]
    assert {h.get("ConferenceSid") for h in hits} == {room_sid}
    assert all(h.signature_ok for h in hits)
    assert [h.get("SequenceNumber") for h in hits] == [str(n) for n in range(8)]
    assert hits[-1].get("ReasonConferenceEnded") == "participant-with-end-conference-on-exit-left"
    assert hits[-1].get("CallSidEndingConference") == agent.call_sid
    ended = sim.client.conferences(room_sid).fetch()
    assert (ended.status, ended.call_sid_ending_conference) == ("completed", agent.call_sid)


def test_ending_the_room_by_api_lets_the_caller_go_on_with_its_document(sim: Sim, app: App) -> None:
    room = open_room(sim, app, "support-end", after="The conference has ended")

    ended = sim.client.conferences(room.sid).update(status="completed")

    assert (ended.status, ended.reason_conference_ended) == (
        "completed",
        "conference-ended-via-api",
    )
    sim.wait_event(room.caller, "say", text="The conference has ended")
    sim.wait_status(room.agent, "completed")
    assert sim.client.conferences(room.sid).participants.list() == []


def test_a_full_room_turns_the_next_caller_away(sim: Sim, app: App) -> None:
    document = room_document("support-full", after="Sorry, the room is full", max_participants=2)
    first = sim.create(to=person(sim), twiml=document)
    second = sim.create(to=person(sim), twiml=document)
    sim.wait_event(first.sid, "conference-joined")
    sim.wait_event(second.sid, "conference-joined")
    third = sim.create(to=person(sim), twiml=document)

    sim.wait_event(third.sid, "conference-full")
    sim.wait_event(third.sid, "say", text="Sorry, the room is full")
    room_sid = sim.wait_event(first.sid, "conference-joined")["conference"]
    assert len(sim.client.conferences(room_sid).participants.list()) == 2
    sim.client.conferences(room_sid).update(status="completed")


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"hold": "maybe"}, "Hold"),
        ({"coaching": True}, "CallSidToCoach"),
        ({"hold_url": "not a url"}, "HoldUrl"),
    ],
)
def test_a_bad_participant_update_names_the_field_and_changes_nothing(
    sim: Sim, app: App, update: dict[str, object], field: str
) -> None:
    room = open_room(sim, app, f"support-bad-{field}")
    participant = sim.client.conferences(room.sid).participants(room.caller)

    with pytest.raises(TwilioRestException) as error:
        participant.update(**update)

    assert error.value.status == 400 and field in error.value.msg
    after = participant.fetch()
    assert (after.hold, after.coaching, after.muted) == (False, False, False)
    close(sim, room)


def test_an_unknown_conference_is_a_404(sim: Sim) -> None:
    with pytest.raises(TwilioRestException) as error:
        sim.client.conferences("CF" + "0" * 32).fetch()
    assert error.value.status == 404
