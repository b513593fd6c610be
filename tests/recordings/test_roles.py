"""Who may do what with recordings: Supervisors manage them (pause, resume, stop,
play back, legal hold) in the admin and on the board, Integrations over the API;
Viewers see their state and get no button, and are refused each action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from recordings.models import RecordingAction, RecordingStatus
from tests.recordings.conftest import recording_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

API_ACTIONS = [
    ("post", "pause", {}),
    ("post", "resume", {}),
    ("post", "stop", {}),
    ("post", "legal-hold", {"legal_hold": True}),
    ("get", "media", None),
]


def media_url(recording) -> str:
    return reverse("admin:recordings_recording_media", args=[recording.pk])


def button_url(recording, button: str) -> str:
    return reverse("admin:recordings_recording_button", args=[recording.pk, button])


@pytest.mark.parametrize(("method", "action", "body"), API_ACTIONS)
def test_a_viewer_is_refused_each_action_over_the_api(api_as, method, action, body):
    recording = recording_of(status=RecordingStatus.COMPLETED)
    viewer = api_as("Viewers")

    answer = getattr(viewer, method)(f"/api/v1/recordings/{recording.pk}/{action}/", body)

    assert answer.status_code == 403
    assert viewer.get(f"/api/v1/recordings/{recording.pk}/").json()["status"] == "completed"
    recording.refresh_from_db()
    assert not recording.legal_hold and not RecordingAction.objects.exists()


@pytest.mark.parametrize("group", ["Supervisors", "Integrations"])
def test_supervisors_and_integrations_pause_over_the_api(api_as, group):
    recording = recording_of()

    answer = api_as(group).post(
        f"/api/v1/recordings/{recording.pk}/pause/", {"pause_behavior": "skip"}
    )

    assert answer.status_code == 202, answer.content
    assert (answer.json()["kind"], answer.json()["state"]) == ("pause", "requested")
    [action] = recording.actions.all()
    assert (action.pause_behavior, action.origin) == ("skip", "api")


def test_a_bad_pause_behavior_is_a_400_naming_it_and_changes_nothing(api_as):
    recording = recording_of()

    answer = api_as("Supervisors").post(
        f"/api/v1/recordings/{recording.pk}/pause/", {"pause_behavior": "mute"}
    )

    assert answer.status_code == 400
    assert "pause_behavior" in answer.json()
    assert not recording.actions.exists()


def test_resuming_a_recording_that_is_not_paused_is_a_409(api_as):
    recording = recording_of()

    answer = api_as("Supervisors").post(f"/api/v1/recordings/{recording.pk}/resume/")

    assert answer.status_code == 409
    assert "cannot be resumed" in answer.json()["detail"]


def test_a_viewer_is_refused_the_playback_with_the_admins_refusal_page(admin_as):
    recording = recording_of(status=RecordingStatus.COMPLETED)

    refused = admin_as("Viewers").get(media_url(recording))

    assert refused.status_code == 403
    page = refused.content.decode()
    assert "Only Supervisors manage recordings" in page
    assert "Call center back office" in page  # the admin's look, not a bare 403


@pytest.mark.parametrize("button", ["pause", "resume", "stop"])
def test_a_viewer_is_refused_each_button(admin_as, button):
    recording = recording_of()

    refused = admin_as("Viewers").post(button_url(recording, button), {"next": "/admin/"})

    assert refused.status_code == 403
    assert not recording.actions.exists()


def test_a_supervisor_pauses_from_the_calls_page_and_comes_back_to_it(admin_as):
    recording = recording_of()
    call_page = reverse("admin:calls_call_change", args=[recording.call.pk])
    supervisor = admin_as("Supervisors")

    answer = supervisor.post(button_url(recording, "pause"), {"next": call_page})

    assert answer.status_code == 302 and answer["Location"] == call_page
    [action] = recording.actions.all()
    assert (action.kind, action.origin, action.requested_by) == ("pause", "admin", supervisor.user)


def test_the_calls_page_shows_the_state_to_a_viewer_and_the_buttons_to_a_supervisor(admin_as):
    done = recording_of(status=RecordingStatus.COMPLETED, duration=12)
    live = recording_of(call=done.call)
    call_page = reverse("admin:calls_call_change", args=[live.call.pk])

    seen = admin_as("Viewers").get(call_page).content.decode()
    managed = admin_as("Supervisors").get(call_page).content.decode()

    for page in (seen, managed):
        assert "Recordings" in page and "12 s" in page and "Completed" in page
    assert "Pause recording" not in seen and "<audio" not in seen
    assert "Pause recording" in managed
    assert f'<audio controls preload="none" src="{media_url(done)}">' in managed


def test_the_board_shows_a_live_recording_and_its_button_to_a_supervisor_only(admin_as):
    recording = recording_of()
    rows = reverse("admin:console_board_rows")

    seen = admin_as("Viewers").get(rows).content.decode()
    managed = admin_as("Supervisors").get(rows).content.decode()

    for page in (seen, managed):
        assert f'data-recording="{recording.pk}"' in page and "● Recording" in page
    assert "Pause recording" not in seen
    assert button_url(recording, "pause") in managed


def test_no_page_shows_twilios_media_url(admin_as):
    recording = recording_of(
        status=RecordingStatus.COMPLETED,
        media_url="https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
    )
    recording.events.create(status="completed", fingerprint="x", params={"RecordingUrl": "x"})
    supervisor = admin_as("Supervisors")

    for page in (
        reverse("admin:recordings_recording_change", args=[recording.pk]),
        reverse("admin:calls_call_change", args=[recording.call.pk]),
    ):
        shown = supervisor.get(page)
        assert shown.status_code == 200
        assert "api.twilio.com" not in shown.content.decode()
        assert "RecordingUrl" not in shown.content.decode()
