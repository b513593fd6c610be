"""Status callbacks: stored once, status only forward, legs born under their parent."""

import pytest

from calls import services
from calls.models import Call, CallEvent, CallStatus, Direction
from tests.calls.conftest import place
from tests.support.twilio_requests import status_params

pytestmark = pytest.mark.django_db


def deliver(sid: str, status: str, sequence: int | None, **extra) -> None:
    services.record_status_event(status_params(sid, status, sequence, **extra))


def test_a_repeated_callback_is_stored_once(dialed_call):
    for _ in range(3):
        deliver(dialed_call.sid, "ringing", 1)
    assert dialed_call.events.filter(call_status="ringing").count() == 1
    assert Call.objects.get(pk=dialed_call.pk).status == CallStatus.RINGING


def test_out_of_order_callbacks_leave_the_latest_status(dialed_call):
    deliver(dialed_call.sid, "completed", 3, CallDuration="42")
    deliver(dialed_call.sid, "in-progress", 2)
    deliver(dialed_call.sid, "ringing", 1)
    call = Call.objects.get(pk=dialed_call.pk)
    assert call.status == CallStatus.COMPLETED
    assert call.duration == 42
    assert sorted(call.events.values_list("sequence_number", flat=True)) == [1, 2, 3]


def test_a_late_ringing_after_completed_changes_nothing(live_call):
    deliver(live_call.sid, "completed", 3)
    before = Call.objects.get(pk=live_call.pk)
    deliver(live_call.sid, "ringing", 7)
    after = Call.objects.get(pk=live_call.pk)
    assert after.status == CallStatus.COMPLETED
    assert after.end_time == before.end_time
    assert after.events.filter(call_status="ringing", sequence_number=7).exists()


def test_a_final_state_is_final(live_call):
    deliver(live_call.sid, "completed", 3)
    deliver(live_call.sid, "failed", 4)
    assert Call.objects.get(pk=live_call.pk).status == CallStatus.COMPLETED


def test_a_legs_first_event_creates_the_child_under_its_parent(live_call):
    leg_sid = "CA" + "1" * 32
    deliver(
        leg_sid,
        "ringing",
        0,
        ParentCallSid=live_call.sid,
        Direction="outbound-dial",
        To="+14155559999",
    )
    deliver(leg_sid, "in-progress", 1, ParentCallSid=live_call.sid, Direction="outbound-dial")
    leg = Call.objects.get(sid=leg_sid)
    assert leg.parent_id == live_call.pk
    assert leg.direction == Direction.OUTBOUND_DIAL
    assert leg.to_number == "+14155559999"
    assert leg.status == CallStatus.IN_PROGRESS
    assert list(live_call.legs.all()) == [leg]


def test_an_inbound_call_is_recorded_on_first_sight():
    sid = "CA" + "2" * 32
    deliver(sid, "ringing", 0, Direction="inbound")
    call = Call.objects.get(sid=sid)
    assert call.direction == Direction.INBOUND
    assert call.status == CallStatus.RINGING


def test_a_callback_before_the_create_answer_binds_the_sid_to_our_call(twilio):
    call = place()
    sid = "CA" + "3" * 32
    services.record_status_event(status_params(sid, "initiated", 0), call_id=call.pk)
    call.refresh_from_db()
    assert call.sid == sid
    assert call.status == CallStatus.INITIATED
    assert Call.objects.count() == 1


def test_a_completed_callback_without_sequence_number_is_stored_once(dialed_call):
    deliver(dialed_call.sid, "completed", None)
    deliver(dialed_call.sid, "completed", None)
    assert CallEvent.objects.filter(call=dialed_call).count() == 1


@pytest.mark.postgres
@pytest.mark.parametrize(
    "whose, status",
    [("leg", "ringing"), ("leg", "in-progress"), ("leg", "completed"), ("call", "completed")],
)
def test_news_of_a_known_call_or_leg_takes_one_statement(
    live_call, django_assert_num_queries, django_capture_on_commit_callbacks, whose, status
):
    leg_sid = "CA" + "7" * 32
    leg = {"ParentCallSid": live_call.sid, "Direction": "outbound-dial"}
    deliver(leg_sid, "initiated", 0, **leg)
    sid, sequence, extra = (leg_sid, 1, leg) if whose == "leg" else (live_call.sid, 3, {})

    # What the news sets off (queues, campaigns, redirects) is counted too.
    with (
        django_assert_num_queries(1),
        django_capture_on_commit_callbacks(execute=True) as reactions,
    ):
        deliver(sid, status, sequence, **extra)

    assert reactions
    assert Call.objects.get(sid=sid).status == status


@pytest.mark.postgres
def test_a_legs_first_event_takes_two_statements_and_creates_it_with_its_event(
    live_call, django_assert_num_queries
):
    leg_sid = "CA" + "8" * 32
    leg = {"ParentCallSid": live_call.sid, "Direction": "outbound-dial"}

    # One finds no call with the SID; one inserts the leg with its event.
    with django_assert_num_queries(2):
        deliver(leg_sid, "ringing", 1, **leg)

    created = Call.objects.get(sid=leg_sid)
    assert (created.parent_id, created.status) == (live_call.pk, CallStatus.RINGING)
    assert list(created.events.values_list("call_status", flat=True)) == ["ringing"]
