"""Twilio's recording status callbacks as Twilio sends them: signed POSTs through
the Django test client; the announcement's hop."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.urls import reverse

from recordings.models import RecordingEvent, RecordingMode, RecordingStatus
from recordings.services import recording_policy_create
from tests.queues.conftest import live_call
from tests.recordings.conftest import new_recording_sid, recording_of
from tests.support.twilio_requests import post_as_twilio, signature_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

STATUS = reverse("recordings:status")


def callback(recording, status: str, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "CallSid": recording.call.sid,
        "RecordingSid": recording.sid,
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/{recording.sid}",
        "RecordingStatus": status,
        "RecordingDuration": "-1" if status == "in-progress" else "42",
        "RecordingChannels": "2",
        "RecordingStartTime": "Mon, 30 Nov 2026 10:00:00 +0000",
        "RecordingSource": "StartCallRecordingAPI",
        **extra,
    }


def status_path(recording) -> str:
    return f"{STATUS}?recording={recording.pk}"


def test_a_forged_callback_is_refused_and_changes_nothing(client):
    recording = recording_of()
    params = callback(recording, "completed")
    forged = client.post(
        status_path(recording),
        params,
        headers={"X-Twilio-Signature": signature_for(STATUS, {**params, "RecordingDuration": "1"})},
    )
    unsigned = client.post(status_path(recording), params)

    assert (forged.status_code, unsigned.status_code) == (403, 403)
    recording.refresh_from_db()
    assert recording.status == RecordingStatus.IN_PROGRESS
    assert not RecordingEvent.objects.exists()


def test_a_duplicate_callback_is_stored_once(client):
    recording = recording_of()
    params = callback(recording, "completed")

    answers = [post_as_twilio(client, status_path(recording), params) for _ in range(2)]

    assert [answer.status_code for answer in answers] == [204, 204]
    assert RecordingEvent.objects.filter(recording=recording).count() == 1
    recording.refresh_from_db()
    assert (recording.status, recording.duration, recording.channels) == ("completed", 42, 2)
    assert recording.media_url.endswith(recording.sid)
    assert recording.completed_at is not None


def test_a_late_in_progress_callback_never_moves_a_completed_recording_back(client):
    recording = recording_of(status=RecordingStatus.STARTING, sid=None)
    sid = new_recording_sid()
    recording.sid = sid  # the callbacks carry it; the row learns it from the first
    for status in ("completed", "in-progress"):
        post_as_twilio(client, status_path(recording), callback(recording, status))

    recording.refresh_from_db()
    assert (recording.sid, recording.status, recording.duration) == (sid, "completed", 42)
    assert RecordingEvent.objects.filter(recording=recording).count() == 2


def test_a_recording_started_by_twilio_itself_is_kept_under_its_call(client):
    call = live_call()
    params = {
        "CallSid": call.sid,
        "RecordingSid": new_recording_sid(),
        "RecordingStatus": "completed",
        "RecordingDuration": "7",
    }

    assert post_as_twilio(client, STATUS, params).status_code == 204

    [recording] = call.recordings.all()
    assert (recording.status, recording.duration, recording.origin) == ("completed", 7, "twilio")


@pytest.mark.parametrize(
    ("field", "value"), [("RecordingStatus", "exploded"), ("RecordingSid", "CA123")]
)
def test_a_callback_with_a_bad_value_is_a_400_naming_it(client, field, value):
    recording = recording_of()
    answer = post_as_twilio(
        client, status_path(recording), {**callback(recording, "completed"), field: value}
    )

    assert answer.status_code == 400
    assert field in answer.content.decode()
    assert not RecordingEvent.objects.exists()


def test_the_announcement_hop_requests_the_recording_then_goes_on(
    client, django_capture_on_commit_callbacks
):
    policy = recording_policy_create(
        name="Answer", mode=RecordingMode.FROM_ANSWER, announcement="Recorded.", retention_days=7
    )
    call = live_call()
    then = settings.PUBLIC_BASE_URL + reverse("queues:voice")
    path = reverse("recordings:answered", kwargs={"call_id": call.pk, "policy_id": policy.pk})
    path += "?" + urlencode({"then": then})

    with django_capture_on_commit_callbacks() as handed_over:
        answer = post_as_twilio(client, path, {"CallSid": call.sid})
        again = post_as_twilio(client, path, {"CallSid": call.sid})

    [redirect] = list(fromstring(answer.content))
    assert (redirect.tag, redirect.text) == ("Redirect", then)
    assert again.status_code == 200
    [recording] = call.recordings.all()
    assert (recording.status, recording.policy, recording.retention_days) == (
        "requested",
        policy,
        7,
    )
    assert len(handed_over) == 1  # one start, however often the hop is requested


def test_the_announcement_hop_goes_on_only_to_our_own_urls(client):
    policy = recording_policy_create(name="Answer", mode=RecordingMode.FROM_ANSWER)
    call = live_call()
    path = reverse("recordings:answered", kwargs={"call_id": call.pk, "policy_id": policy.pk})

    answer = post_as_twilio(
        client, f"{path}?then=https://elsewhere.example/", {"CallSid": call.sid}
    )

    assert answer.status_code == 400
    assert not call.recordings.exists()
