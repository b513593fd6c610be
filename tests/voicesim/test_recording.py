"""Recordings: ``Record=true`` on create, ``<Record>``, record on Dial and
Conference, the call, conference and account Recordings resources, and the
media: a real WAV whose length and silences are the recording's."""

from __future__ import annotations

import io
import itertools
import wave
from array import array
from urllib.parse import urlsplit

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.twiml.voice_response import Dial, VoiceResponse

from tests.voicesim.conftest import App, Sim

_numbers = itertools.count(4155559000)
RATE = 8000


def person(sim: Sim) -> str:
    number = f"+1{next(_numbers)}"
    sim.phonebook(number, kind="human", answer_after=1, talk_for=10**6)
    return number


def media(sim: Sim, url: str) -> tuple[int, array]:
    """The WAV at ``url``: its frame rate and its samples."""
    response = sim.http.get(urlsplit(url).path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/x-wav"
    with wave.open(io.BytesIO(response.content)) as audio:
        assert (audio.getnchannels(), audio.getsampwidth()) == (1, 2)
        return audio.getframerate(), array("h", audio.readframes(audio.getnframes()))


def sounding(samples: array) -> list[tuple[float, float]]:
    """(start, end) in seconds of each stretch that is not silence."""
    runs: list[tuple[float, float]] = []
    start = None
    for index, value in enumerate(samples):
        if value and start is None:
            start = index
        elif not value and start is not None and not any(samples[index : index + 40]):
            runs.append((start / RATE, index / RATE))
            start = None
    if start is not None:
        runs.append((start / RATE, len(samples) / RATE))
    return runs


def answered_call(sim: Sim, **options: object) -> str:
    twiml = "<Response><Pause length='3600'/></Response>"
    call = sim.create(to=person(sim), twiml=twiml, **options)
    sim.wait_status(call.sid, "in-progress")
    return call.sid


def test_a_recording_paused_for_five_seconds_has_five_seconds_of_silence(
    sim: Sim, app: App
) -> None:
    call = answered_call(
        sim,
        record=True,
        recording_status_callback=app.url("recording"),
        recording_status_callback_event=["in-progress", "completed"],
    )
    [started] = app.wait_for("recording", RecordingStatus="in-progress")
    current = sim.client.calls(call).recordings("Twilio.CURRENT")

    sim.say(call, "Hello this is before the pause")  # 6 words: 2.4 s of speech
    sim.let_pass(3)
    assert current.update(status="paused", pause_behavior="silence").status == "paused"
    sim.let_pass(5)
    assert current.update(status="in-progress").status == "in-progress"
    sim.say(call, "and after it")
    sim.let_pass(2)
    stopped = current.update(status="stopped")

    [done] = app.wait_for("recording", RecordingStatus="completed")
    assert done.get("RecordingSid") == started.get("RecordingSid") == stopped.sid
    assert done.get("RecordingSource") == "OutboundAPI"
    rate, samples = media(sim, done.get("RecordingUrl"))
    assert rate == RATE
    assert abs(len(samples) / RATE - int(done.get("RecordingDuration"))) <= 0.5
    timeline = sim.http.get(f"/sim/recordings/{stopped.sid}").json()
    [pause] = [s for s in timeline["spans"] if s["kind"] == "silence"]
    assert pause["end"] - pause["start"] >= 5
    (first_start, first_end), (second_start, _) = sounding(samples)
    assert first_end - first_start == pytest.approx(2.4, abs=0.01)
    # The pause lies between the two sentences (the first one's end and the pause's
    # start are apart by however long the request took to arrive).
    assert second_start - first_end >= 5
    paused_at = pause["start"] - timeline["spans"][0]["start"]
    quiet = samples[round(paused_at * RATE) : round((paused_at + 5) * RATE)]
    assert len(quiet) == 5 * RATE and not any(quiet)
    sim.hang_up(call)


def test_a_pause_that_skips_leaves_the_paused_time_out_of_the_media(sim: Sim) -> None:
    call = answered_call(sim)
    recording = sim.client.calls(call).recordings.create()
    assert (recording.status, recording.source) == ("in-progress", "StartCallRecordingAPI")
    handle = sim.client.calls(call).recordings(recording.sid)

    sim.let_pass(2)
    handle.update(status="paused", pause_behavior="skip")
    sim.let_pass(10)
    handle.update(status="in-progress")
    sim.let_pass(2)
    handle.update(status="stopped")

    fetched = sim.client.recordings(recording.sid).fetch()
    assert fetched.status == "completed"
    spans = sim.http.get(f"/sim/recordings/{recording.sid}").json()["spans"]
    kept = sum(s["end"] - s["start"] for s in spans if s["kind"] == "recording")
    [skipped] = [s["end"] - s["start"] for s in spans if s["kind"] == "skip"]
    assert skipped >= 10
    assert int(fetched.duration) == round(kept)
    _, samples = media(sim, f"{sim.base_url}{urlsplit(fetched.uri).path.removesuffix('.json')}")
    assert len(samples) / RATE == pytest.approx(kept, abs=1 / RATE)
    sim.hang_up(call)


def test_record_verb_posts_the_message_to_its_action_and_the_media_plays(
    sim: Sim, app: App
) -> None:
    response = VoiceResponse()
    response.say("Leave a message after the tone")
    response.record(action=app.url("recorded"), finish_on_key="#", max_length=60, timeout=10)
    call = sim.create(to=person(sim), twiml=str(response))
    sim.wait_event(call.sid, "recording-started")

    sim.say(call.sid, "Hi it is Bob please call me back")
    sim.let_pass(4)
    sim.http.post(f"/sim/calls/{call.sid}/digits", json={"digits": "#"})

    [recorded] = app.wait_for("recorded")
    assert recorded.get("Digits") == "#"
    duration = int(recorded.get("RecordingDuration"))
    assert duration >= 4
    _, samples = media(sim, recorded.get("RecordingUrl"))
    assert abs(len(samples) / RATE - duration) <= 0.5
    [(start, end)] = sounding(samples)
    assert end - start == pytest.approx(3.2, abs=0.01)  # 8 words

    recording = sim.client.recordings(recorded.get("RecordingSid")).fetch()
    assert (recording.source, recording.call_sid) == ("RecordVerb", call.sid)
    listed = sim.client.recordings.list(call_sid=call.sid)
    assert [r.sid for r in listed] == [recording.sid]
    mp3 = sim.http.get(urlsplit(recorded.get("RecordingUrl")).path + ".mp3")
    assert mp3.status_code == 415

    assert sim.client.recordings(recording.sid).delete() is True
    with pytest.raises(TwilioRestException) as error:
        sim.client.recordings(recording.sid).fetch()
    assert error.value.status == 404


def test_record_verb_ends_after_its_timeout_of_silence(sim: Sim, app: App) -> None:
    response = VoiceResponse()
    response.record(action=app.url("recorded"), timeout=3, play_beep=False)
    call = sim.create(to=person(sim), twiml=str(response))

    [recorded] = app.wait_for("recorded")
    assert 3 <= int(recorded.get("RecordingDuration")) < 60  # silence ended it, not maxLength
    assert recorded.get("Digits") is None
    sim.hang_up(call.sid)


def test_dial_record_from_answer_records_the_bridge_on_the_parent_call(sim: Sim, app: App) -> None:
    agent = person(sim)
    response = VoiceResponse()
    dial = Dial(record="record-from-answer", recording_status_callback=app.url("recording"))
    dial.number(agent)
    response.append(dial)
    call = sim.create(to=person(sim), twiml=str(response))
    leg = sim.wait_event(call.sid, "leg-connected")["leg"]

    sim.say(leg, "Agent speaking")
    sim.let_pass(2)
    sim.hang_up(leg)

    [done] = app.wait_for("recording", RecordingStatus="completed")
    assert (done.get("CallSid"), done.get("RecordingSource")) == (call.sid, "DialVerb")
    timeline = sim.http.get(f"/sim/recordings/{done.get('RecordingSid')}").json()
    assert [t["speaker"] for t in timeline["tones"]] == [leg]


def test_a_conference_recorded_from_start_holds_the_room_not_the_coach(sim: Sim, app: App) -> None:
    response = VoiceResponse()
    dial = Dial()
    dial.conference("recorded-room", record="record-from-start", beep="false")
    response.append(dial)
    caller = sim.create(to=person(sim), twiml=str(response))
    room = sim.wait_event(caller.sid, "conference-joined")["conference"]
    participants = sim.client.conferences(room).participants
    agent = participants.create(from_="+14155550100", to=person(sim)).call_sid
    sim.wait_event(agent, "conference-joined")
    coach = participants.create(
        from_="+14155550100", to=person(sim), coaching=True, call_sid_to_coach=agent
    ).call_sid
    sim.wait_event(coach, "conference-joined")

    sim.say(caller.sid, "Hello")
    sim.say(coach, "Whisper")
    sim.let_pass(1)
    sim.say(agent, "Hi there")
    sim.client.conferences(room).update(status="completed")

    [recording] = sim.client.conferences(room).recordings.list()
    assert (recording.source, recording.status) == ("Conference", "completed")
    timeline = sim.http.get(f"/sim/recordings/{recording.sid}").json()
    assert [t["speaker"] for t in timeline["tones"]] == [caller.sid, agent]


def test_bad_recording_requests_name_the_field_and_change_nothing(sim: Sim) -> None:
    call = answered_call(sim)
    recording = sim.client.calls(call).recordings.create()
    handle = sim.client.calls(call).recordings(recording.sid)

    with pytest.raises(TwilioRestException) as error:
        handle.update(status="paused", pause_behavior="mute")
    assert error.value.status == 400 and "PauseBehavior" in error.value.msg
    assert handle.fetch().status == "in-progress"
    sim.hang_up(call)
    sim.wait_status(call, "completed")
    assert handle.fetch().status == "completed"
    with pytest.raises(TwilioRestException) as error:
        sim.client.calls(call).recordings.create()
    assert (error.value.status, error.value.code) == (400, 21220)


def test_a_say_cut_short_by_a_redirect_is_recorded_only_as_far_as_it_was_heard(sim: Sim) -> None:
    greeting = " ".join(["a"] * 1900)  # 760 s of speech, 7.6 s at the tests' speed
    twiml = f"<Response><Say>{greeting}</Say><Pause length='3600'/></Response>"
    call = sim.create(to=person(sim), twiml=twiml, record=True)
    sim.wait_event(call.sid, "say")
    sim.let_pass(2)
    sim.client.calls(call.sid).update(twiml="<Response><Pause length='3600'/></Response>")
    sim.wait_event(call.sid, "redirected")
    sim.let_pass(7)
    stopped = sim.client.calls(call.sid).recordings("Twilio.CURRENT").update(status="stopped")

    [tone] = sim.http.get(f"/sim/recordings/{stopped.sid}").json()["tones"]
    said = sim.wait_event(call.sid, "say")
    interrupted = sim.wait_event(call.sid, "redirected")
    assert interrupted["t"] < said["t"] + 760  # the greeting was cut short
    assert tone["speaker"] == "twilio"
    # From the start of the greeting to the redirect (asked 2 s in, taken by the call
    # at the latest when its transcript says so, to the millisecond): not the rest of
    # the greeting, nor the 7 s recorded after the redirect.
    assert 2 <= tone["length"] <= interrupted["t"] - said["t"] + 0.001
