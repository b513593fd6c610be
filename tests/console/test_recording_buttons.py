"""One pause (or resume) of a live recording on each screen that shows it: the board's
row, the call's timeline and the call's admin page. In a live conversation it is the
conversation's action (schedulable, on the timeline like a hold); on a call without
one, the recording's own button."""

from __future__ import annotations

import pytest
from django.urls import reverse

from recordings.models import RecordingStatus
from tests.conversations.test_screens import ROWS, in_conversation
from tests.recordings.conftest import recording_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

KINDS = {"Pause recording": "pause-recording", "Resume recording": "resume-recording"}


def screens(client, call) -> dict[str, str]:
    """The HTML of each screen showing `call`: its board row, timeline and admin page."""
    board = client.get(ROWS).content.decode()
    row = board.split(f'id="call-{call.pk}"')[1].split("</tr>")[0]
    return {
        "board": row,
        "timeline": client.get(
            reverse("admin:console_call_timeline", args=[call.pk])
        ).content.decode(),
        "call page": client.get(
            reverse("admin:calls_call_change", args=[call.pk])
        ).content.decode(),
    }


def pressable(page: str, label: str) -> int:
    return page.count(f">{label}</button>")


@pytest.mark.parametrize(
    "status, label",
    [
        (RecordingStatus.IN_PROGRESS, "Pause recording"),
        (RecordingStatus.PAUSED, "Resume recording"),
    ],
)
def test_a_recorded_conversation_offers_one_pause_or_resume_per_screen_its_own_action(
    supervisor, status, label
):
    call = in_conversation()
    recording_of(call, status=status)

    for screen, page in screens(supervisor, call).items():
        assert pressable(page, label) == 1, screen
        assert f'data-kind="{KINDS[label]}"' in page, screen


def test_a_recorded_call_without_a_conversation_offers_its_recordings_button_once_per_screen(
    supervisor, caller
):
    call = caller("+14155550101").call
    recording_of(call)

    for screen, page in screens(supervisor, call).items():
        assert pressable(page, "Pause recording") == 1, screen
        assert 'data-action="pause-recording"' in page, screen
