"""The recording moves as kinds of conversation action: asked of a conversation,
checked, scheduled and claimed on time like every conversation action."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from calls.exceptions import RuleViolation
from conversations import registry
from conversations import services as conversations
from conversations.models import ActionState
from recordings.models import RecordingStatus
from recordings.permissions import MANAGE_RECORDINGS
from tests.queues.conftest import live_call
from tests.recordings.conftest import recording_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

KINDS = ["start-recording", "pause-recording", "resume-recording", "stop-recording"]


@pytest.fixture
def conference():
    return conversations.conference_open(live_call())


def test_each_recording_move_is_a_kind_that_needs_the_recordings_permission():
    assert [registry.kind_named(name).permission for name in KINDS] == [MANAGE_RECORDINGS] * 4


def test_ending_the_recording_when_the_survey_starts_is_scheduled_then_claimed_on_time(
    conference,
):
    recording = recording_of(call=conference.call)
    survey_starts = timezone.now() + dt.timedelta(seconds=30)

    action = conversations.action_request(conference.call, "stop-recording", at=survey_starts)

    assert (action.state, action.params["recording"]) == (ActionState.SCHEDULED, recording.pk)
    assert conversations.actions_fire_due(now=survey_starts - dt.timedelta(seconds=1)) == []
    assert conversations.actions_fire_due(now=survey_starts) == [action.pk]
    action.refresh_from_db()
    assert action.state == ActionState.QUEUED


def test_a_move_the_recording_does_not_allow_is_refused_on_its_field(conference):
    with pytest.raises(RuleViolation) as nothing_to_pause:
        conversations.action_request(conference.call, "pause-recording")
    recording_of(call=conference.call, status=RecordingStatus.PAUSED)
    with pytest.raises(RuleViolation) as already:
        conversations.action_request(conference.call, "start-recording")
    with pytest.raises(RuleViolation) as behavior:
        conversations.action_request(conference.call, "pause-recording", {"pause_behavior": "mute"})

    assert (nothing_to_pause.value.field, already.value.field, behavior.value.field) == (
        "recording",
        "recording",
        "pause_behavior",
    )
