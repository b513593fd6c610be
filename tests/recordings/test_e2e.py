"""Recordings on voicesim with the back office live and a real Celery worker with
beat: a caller recorded under each policy, paused for a card number from the
API, played back through the product; the retention sweep at Twilio.

What the caller heard is read from voicesim's transcript, what Twilio recorded
from its media as the product's playback view serves it.
"""

from __future__ import annotations

import io
import wave
from array import array
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from twilio.base.exceptions import TwilioRestException

from calls.models import Call, CallStatus
from calls.services import place_call
from conversations.models import ConversationAction
from conversations.services import action_request, conference_open
from queues.models import AgentStatus, EndpointKind, EntryStatus, Queue
from queues.services import set_agent_status, take_off_hold
from recordings.models import Recording, RecordingMode, RecordingPolicy, RecordingStatus
from recordings.services import (
    recording_policy_create,
    recording_request,
    recordings_sweep_expired,
)
from tests.queues.test_e2e import agent, call_in, connected_leg, said_on
from tests.support.api_clients import live_api_client
from tests.support.processes import wait_until
from tests.support.voicesim import VoiceSim

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

RATE = 8000
ANNOUNCEMENT = "This call is recorded for quality and training."
PAUSE_SECONDS = 5


@pytest.fixture
def supervisor_api(live_server, stack) -> httpx.Client:
    with live_api_client(live_server, "Supervisors") as client:
        yield client


@pytest.fixture
def integration_api(live_server, stack) -> httpx.Client:
    with live_api_client(live_server, "Integrations") as client:
        yield client


def policy_of(mode: str, retention_days: int = 30) -> RecordingPolicy:
    return recording_policy_create(
        name=f"Recorded {mode}",
        mode=mode,
        announcement=ANNOUNCEMENT,
        retention_days=retention_days,
    )


def sim_now(sim: VoiceSim) -> float:
    return sim.sim("GET", "clock").json()["now"]


def said(sim: VoiceSim, sid: str, text: str) -> None:
    """The caller says `text`, and has finished saying it (0.4 simulated s a word)."""
    sim.sim("POST", f"calls/{sid}/say", json={"text": text})
    started = sim_now(sim)
    wait_until(lambda: sim_now(sim) >= started + 0.4 * len(text.split()))


def recording_in(status: str, **where) -> Recording:
    return wait_until(lambda: Recording.objects.filter(status=status, **where).first())


def samples_of(wav: bytes) -> array:
    with wave.open(io.BytesIO(wav)) as audio:
        assert audio.getframerate() == RATE
        return array("h", audio.readframes(audio.getnframes()))


def sounding(samples: array) -> list[tuple[float, float]]:
    """(start, end) in seconds of each stretch that is not silence."""
    runs, start = [], None
    for index, value in enumerate(samples):
        if value and start is None:
            start = index
        elif not value and start is not None and not any(samples[index : index + 40]):
            runs.append((start / RATE, index / RATE))
            start = None
    if start is not None:
        runs.append((start / RATE, len(samples) / RATE))
    return runs


def act(api: httpx.Client, recording: Recording, action: str, **body) -> None:
    response = api.post(f"recordings/{recording.pk}/{action}/", json=body)
    assert response.status_code == 202, response.text
    wait_until(lambda: response.json()["id"] and _action_state(response.json()["id"]) == "done")


def _action_state(action_id: int) -> str:
    return Recording.objects.get(actions__id=action_id).actions.get(pk=action_id).state


@pytest.mark.parametrize("mode", [RecordingMode.FROM_ANSWER, RecordingMode.FROM_AGENT])
def test_a_recorded_caller_paused_for_a_card_number_has_the_pause_in_the_media(
    stack, support: Queue, supervisor_api, admin_as, mode
):
    Queue.objects.filter(pk=support.pk).update(recording_policy=policy_of(mode))
    ann = agent(support, "Ann", EndpointKind.NUMBER, "+14155550123")
    set_agent_status(ann, AgentStatus.AVAILABLE)
    sid, entry = call_in(stack, "+14155550777")

    # The caller hears the announcement before the recording starts: first thing
    # when recorded from the answer, right before being put through when from the
    # agent's join (nothing is recorded while they wait).
    wait_until(lambda: support.greeting in said_on(stack, sid))
    if mode == RecordingMode.FROM_ANSWER:
        assert said_on(stack, sid)[:2] == [ANNOUNCEMENT, support.greeting]
        before_agent = recording_in(RecordingStatus.IN_PROGRESS, call__sid=sid)
        assert entry.__class__.objects.get(pk=entry.pk).status == EntryStatus.WAITING
    else:
        assert ANNOUNCEMENT not in said_on(stack, sid)
        assert not Recording.objects.filter(call__sid=sid).exists()

    take_off_hold(entry, agent=ann)
    connected_leg(stack, sid)
    recording = recording_in(RecordingStatus.IN_PROGRESS, call__sid=sid)
    assert said_on(stack, sid).count(ANNOUNCEMENT) == 1
    if mode == RecordingMode.FROM_ANSWER:
        assert recording == before_agent
    else:
        assert said_on(stack, sid)[-1] == ANNOUNCEMENT  # after the greeting, before the Dial
    assert recording.sid.startswith("RE")

    said(stack, sid, "I would like to pay")
    asked_to_pause = sim_now(stack)
    act(supervisor_api, recording, "pause")
    paused = sim_now(stack)
    stack.sim("POST", f"calls/{sid}/say", json={"text": "four one one one two two"})
    wait_until(lambda: sim_now(stack) >= paused + PAUSE_SECONDS)
    asked_to_resume = sim_now(stack)
    act(supervisor_api, recording, "resume")
    resumed = sim_now(stack)
    said(stack, sid, "thank you")
    act(supervisor_api, recording, "stop")

    done = recording_in(RecordingStatus.COMPLETED, pk=recording.pk)
    assert [a.kind for a in done.actions.order_by("created_at")] == ["pause", "resume", "stop"]
    assert all(a.requested_by and a.origin == "api" for a in done.actions.all())
    playback = admin_as("Supervisors").get(
        reverse("admin:recordings_recording_media", args=[done.pk])
    )
    assert playback.status_code == 200
    assert playback["Content-Type"] == "audio/x-wav"
    samples = samples_of(b"".join(playback.streaming_content))
    assert abs(len(samples) / RATE - done.duration) <= 0.5

    timeline = stack.sim("GET", f"recordings/{done.sid}").json()
    [pause] = [span for span in timeline["spans"] if span["kind"] == "silence"]
    # Paused from when the pause was done to when the resume was (each after its
    # request, by the worker's round trip): at least the five seconds waited.
    assert asked_to_pause <= pause["start"] <= paused
    assert asked_to_resume <= pause["end"] <= resumed
    assert pause["end"] - pause["start"] >= PAUSE_SECONDS
    offset = pause["start"] - timeline["spans"][0]["start"]
    quiet = samples[
        round(offset * RATE) : round((pause["end"] - timeline["spans"][0]["start"]) * RATE)
    ]
    assert len(quiet) >= PAUSE_SECONDS * RATE and not any(quiet)
    # What was said during the pause is not in the media: the speech before it and
    # after it, and nothing between.
    # "I would like to pay" (5 words, 2 s) before; "thank you" (2 words) after.
    runs = sounding(samples)
    before = [run for run in runs if run[1] <= offset + 0.01]
    after = [run for run in runs if run[0] >= offset]
    assert len(before) + len(after) == len(runs)
    assert before[-1][1] - before[-1][0] == pytest.approx(2.0, abs=0.01)
    assert after[0][0] >= offset + PAUSE_SECONDS
    assert after[0][1] - after[0][0] == pytest.approx(0.8, abs=0.01)


def recorded_call(number: str, retention_days: int = 30) -> Recording:
    """An outbound call answered and recorded by hand."""
    call = place_call(
        to=number, from_="+14155550100", twiml="<Response><Pause length='600'/></Response>"
    )
    call = wait_until(
        lambda: Call.objects.filter(pk=call.pk, status=CallStatus.IN_PROGRESS).first()
    )
    recording = recording_request(call, retention_days=retention_days)
    return recording_in(RecordingStatus.IN_PROGRESS, pk=recording.pk)


def recorded_and_completed(sim: VoiceSim, number: str, retention_days: int) -> Recording:
    """An outbound call recorded by hand, stopped: a completed recording at voicesim."""
    recording = recorded_call(number, retention_days)
    call = recording.call
    sim.sim("POST", f"calls/{call.sid}/say", json={"text": "hello"})
    sim.sim("POST", f"calls/{call.sid}/hangup")
    return recording_in(RecordingStatus.COMPLETED, pk=recording.pk)


def sweep_in_own_connection() -> list[int]:
    try:
        return [recording.pk for recording in recordings_sweep_expired()]
    finally:
        connection.close()


def test_the_retention_sweep_deletes_an_expired_recording_at_twilio_and_keeps_a_held_one(
    stack, supervisor_api, integration_api
):
    expired = recorded_and_completed(stack, "+14155550301", retention_days=1)
    held = recorded_and_completed(stack, "+14155550302", retention_days=1)
    fresh = recorded_and_completed(stack, "+14155550303", retention_days=30)
    answer = supervisor_api.post(f"recordings/{held.pk}/legal-hold/", json={"legal_hold": True})
    assert answer.status_code == 200 and answer.json()["legal_hold"] is True
    # Two days on: the first two are past their day of retention.
    Recording.objects.filter(pk__in=[expired.pk, held.pk, fresh.pk]).update(
        completed_at=expired.completed_at - timedelta(days=2)
    )

    # Two sweeps at once (two workers, or a retry beside the beat's run) delete it once.
    with ThreadPoolExecutor(2) as pool:
        swept = list(pool.map(lambda _: sweep_in_own_connection(), range(2)))
    assert sorted(swept) == [[], [expired.pk]]
    deleted_at = Recording.objects.get(pk=expired.pk).deleted_at
    assert deleted_at is not None
    with pytest.raises(TwilioRestException) as gone:
        stack.client.recordings(expired.sid).fetch()
    assert gone.value.status == 404
    for kept in (held, fresh):
        assert stack.client.recordings(kept.sid).fetch().status == "completed"
        assert Recording.objects.get(pk=kept.pk).deleted_at is None
    # A sweep run again (a retried task) finds nothing more to do.
    assert recordings_sweep_expired() == []
    assert Recording.objects.get(pk=expired.pk).deleted_at == deleted_at
    assert supervisor_api.get(f"recordings/{expired.pk}/").json()["media"] is None
    refused = supervisor_api.get(f"recordings/{expired.pk}/media/")
    assert refused.status_code == 409
    # A held one still plays, streamed through the product to an integration too.
    played = integration_api.get(f"recordings/{held.pk}/media/")
    assert played.status_code == 200 and played.headers["content-type"] == "audio/x-wav"
    assert len(samples_of(played.content)) / RATE == pytest.approx(held.duration, abs=0.5)


def test_a_recording_ended_by_a_scheduled_conversation_action_stops_on_time(stack):
    recording = recorded_call("+14155550304")
    conference_open(recording.call)  # the conversation the call is in
    due = timezone.now() + timedelta(seconds=2)

    action = action_request(recording.call, "stop-recording", at=due, reason="survey starts")

    settled = wait_until(
        lambda: (
            ConversationAction.objects.exclude(state__in=["scheduled", "queued", "sending"])
            .filter(pk=action.pk)
            .first()
        ),
        explain=lambda: ConversationAction.objects.values().get(pk=action.pk),
    )
    assert (settled.state, settled.error_code, settled.error_message) == ("done", None, "")
    done = recording_in(RecordingStatus.COMPLETED, pk=recording.pk)
    action.refresh_from_db()
    assert action.sent_at >= due
    assert stack.client.recordings(done.sid).fetch().status == "completed"
    assert Call.objects.get(pk=recording.call.pk).status == CallStatus.IN_PROGRESS
