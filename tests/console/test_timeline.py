"""A call's page: its story in order, and voicesim's transcript when there is one."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from calls import services as call_services
from calls.models import CallEvent, EventKind, Redirect, RedirectState, Source
from queues import services
from queues.models import QueueEntry
from tests.api.records import make_call, make_event, make_leg
from tests.conversations.test_screens import buttons, talking  # noqa: F401  fixture
from tests.recordings.conftest import recording_of
from tests.support.processes import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

UNREACHABLE = "http://127.0.0.1:9"


def timeline_of(call) -> str:
    return reverse("admin:console_call_timeline", args=[call.pk])


@pytest.fixture
def answered_caller(caller, make_agent, survey, supervisor):
    """A caller taken off hold by the supervisor, who talked to Ann and rated her 4;
    then a hang-up Twilio refused with 21220."""
    entry = services.take_off_hold(
        caller("+14155550101"),
        agent=make_agent("Ann"),
        requested_by=supervisor.user,
        origin=Source.ADMIN,
    )
    call = entry.call
    make_event(call, "ringing", 0)
    make_event(call, "in-progress", 1)
    CallEvent.objects.create(
        call=call,
        kind=EventKind.AMD,
        fingerprint=f"{call.sid}:amd",
        params={"AnsweredBy": "human", "MachineDetectionDuration": "1800"},
    )
    leg = make_leg(call, to_number=entry.agent.endpoint, duration=42)
    QueueEntry.objects.filter(pk=entry.pk).update(agent_leg=leg)  # as the leg's callback does
    make_event(leg, "completed", 3)
    services.record_dial_ended(entry.pk, offer=entry.offers, dial_status="completed")
    services.record_survey_answer(call, survey.questions.get(position=1), "4")
    refused = call_services.hang_up(call, origin=Source.ADMIN, requested_by=supervisor.user)
    Redirect.objects.filter(pk=refused.pk).update(
        state=RedirectState.FAILED,
        error_code=21220,
        error_message="Call is not in-progress.",
        finished_at=timezone.now(),
    )
    return call, leg


def test_the_timeline_tells_the_call_in_order(supervisor, answered_caller, settings):
    settings.TWILIO_API_BASE_URL = "https://api.twilio.com"
    call, _ = answered_caller

    response = supervisor.get(timeline_of(call))

    assert response.status_code == 200
    moments = [moment.what for moment in response.context["timeline"].moments]
    assert moments[0] == "Call recorded"
    for expected in (
        "On hold in Support",
        "Redirect requested",
        "Status: ringing",
        "Status: in-progress",
        "Machine detection: human",
        "Leg dialed to Ann (+1 415-555-0003)",
        "Leg to Ann (+1 415-555-0003): Status: completed",
        "Left Support: connected",
        "Survey answer: 4",
        "Hang up requested",
        "Hang up: failed",
    ):
        assert expected in moments, expected
    assert moments.index("On hold in Support") < moments.index("Redirect requested")
    details = {moment.what: moment.detail for moment in response.context["timeline"].moments}
    assert details["Left Support: connected"] == "1 agent tried"
    assert moments.index("Survey answer: 4") < moments.index("Hang up requested")
    page = response.content.decode()
    assert f"by {supervisor.user.username}" in page
    assert "Twilio 21220: Call is not in-progress." in page
    assert "How was your call?" in page
    # Calls on the real Twilio have no transcript to show.
    assert "What the far end heard" not in page


def test_an_unreachable_simulator_is_a_sentence_not_an_error(supervisor, answered_caller, settings):
    settings.TWILIO_API_BASE_URL = UNREACHABLE
    call, _ = answered_caller

    response = supervisor.get(timeline_of(call))

    assert response.status_code == 200
    assert f"The simulator at {UNREACHABLE} could not be reached" in response.content.decode()


def test_a_call_that_ran_on_voicesim_shows_what_the_far_end_heard(supervisor, voicesim, settings):
    settings.TWILIO_API_BASE_URL = voicesim.base_url
    created = voicesim.client.calls.create(
        to="+14155550123", from_="+14155550100", twiml="<Response><Say>Press one</Say></Response>"
    )
    call = make_call(sid=created.sid)
    forgotten = make_call(sid="CA" + "0" * 32)
    wait_until(lambda: any(entry["event"] == "say" for entry in voicesim.transcript(created.sid)))

    page = supervisor.get(timeline_of(call)).content.decode()
    unknown = supervisor.get(timeline_of(forgotten)).content.decode()

    assert "What the far end heard" in page
    assert "Press one" in page
    assert "The simulator does not know this call" in unknown


def test_a_live_call_page_offers_the_boards_actions_to_supervisors_only(
    supervisor, viewer, caller, settings
):
    settings.TWILIO_API_BASE_URL = UNREACHABLE
    entry = caller("+14155550101")

    as_supervisor = supervisor.get(timeline_of(entry.call)).content.decode()
    as_viewer = viewer.get(timeline_of(entry.call)).content.decode()

    assert "Live now: On hold in Support" in as_supervisor
    assert 'data-action="take-off-hold"' in as_supervisor
    assert "Live now: On hold in Support" in as_viewer
    assert "data-action" not in as_viewer


def test_a_live_conversation_and_its_recording_on_the_timeline_buttons_for_supervisors_only(
    supervisor,
    viewer,
    talking,  # noqa: F811
):
    recording = recording_of(talking)

    as_supervisor = supervisor.get(timeline_of(talking)).content.decode()
    as_viewer = viewer.get(timeline_of(talking)).content.decode()

    for page in (as_supervisor, as_viewer):
        assert 'data-role="customer"' in page and 'data-role="agent"' in page
        assert f'data-recording="{recording.pk}"' in page and "● Recording" in page
    assert buttons(as_supervisor) == {"hold", "mute", "listen", "whisper", "barge", "end"}
    assert f'name="next" value="{timeline_of(talking)}"' in as_supervisor
    assert 'data-kind="pause-recording"' in as_supervisor
    assert buttons(as_viewer) == set() and "data-action" not in as_viewer


def test_the_call_admin_page_links_to_the_timeline(supervisor, answered_caller):
    call, _ = answered_caller

    page = supervisor.get(reverse("admin:calls_call_change", args=[call.pk])).content.decode()

    assert f'href="{timeline_of(call)}"' in page


def test_people_who_may_not_see_calls_get_no_timeline(admin_as, answered_caller):
    call, _ = answered_caller

    assert admin_as(None).get(timeline_of(call)).status_code == 403
