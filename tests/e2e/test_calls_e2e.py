"""End to end: the back office, a real Celery worker with beat on Redis, and voicesim.

A call placed through the services is dialed by the worker with the real
`twilio` client, answered by voicesim's far end, bridged to an agent with
`<Dial>`, redirected, hung up; the record and voicesim's transcript must agree.
"""

import datetime as dt

import pytest
from django.utils import timezone

from calls import services
from calls.models import Call, CallStatus, Direction, Outcome, Redirect, RedirectState, Source
from tests.support.processes import wait_until
from tests.support.twiml import dial_agent, say_and_wait

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

CUSTOMER = "+14155551234"
AGENT = "+14155556789"
CENTER = "+14155550100"


def bridge_to_agent() -> str:
    """The call's first flow: dial an agent, with the leg's callbacks sent to us."""
    return str(dial_agent(AGENT))


def reload(call: Call) -> Call:
    return Call.objects.get(pk=call.pk)


def said(stack, sid: str) -> list[str]:
    return [entry["text"] for entry in stack.transcript(sid) if entry["event"] == "say"]


def test_a_call_is_dialed_answered_bridged_redirected_and_hung_up(stack):
    call = services.place_call(to="(415) 555-1234", from_=CENTER, twiml=bridge_to_agent())
    leg = wait_until(lambda: call.legs.filter(status=CallStatus.IN_PROGRESS).first(), timeout=30)
    call = reload(call)
    assert (call.status, call.outcome) == (CallStatus.IN_PROGRESS, Outcome.ANSWERED)

    redirect = services.request_redirect(call, twiml=say_and_wait("Thanks for holding."))
    wait_until(lambda: "Thanks for holding." in said(stack, call.sid), timeout=20)
    # voicesim plays the new TwiML before the worker has stored its answer.
    wait_until(lambda: Redirect.objects.get(pk=redirect.pk).state == RedirectState.DONE, timeout=10)
    wait_until(lambda: reload(leg).status == CallStatus.COMPLETED, timeout=20)

    hang_up = services.hang_up(call, reason="done")
    wait_until(lambda: reload(call).status == CallStatus.COMPLETED, timeout=20)
    call = reload(call)
    assert call.sid and call.to_number == CUSTOMER
    assert call.direction == Direction.OUTBOUND_API
    assert call.end_time is not None
    wait_until(lambda: Redirect.objects.get(pk=hang_up.pk).state == RedirectState.DONE, timeout=10)

    [leg] = call.legs.all()
    assert (leg.direction, leg.to_number, leg.status) == (
        Direction.OUTBOUND_DIAL,
        AGENT,
        CallStatus.COMPLETED,
    )
    wait_until(lambda: call.events.filter(call_status="completed").exists(), timeout=10)
    statuses = list(call.events.filter(kind="status").values_list("call_status", flat=True))
    assert {"initiated", "ringing", "in-progress", "completed"} <= set(statuses)
    assert len(statuses) == len(set(statuses))
    assert call.events.filter(kind="answer").count() == 1

    transcript = stack.transcript(call.sid)
    events = [entry["event"] for entry in transcript]
    assert "redirect-requested" in events
    assert events.index("redirect-requested") < len(events) - 1
    assert transcript[-1]["event"] in ("hangup", "status", "callback")
    assert len(stack.calls()) >= 2


def test_a_scheduled_redirect_fires_at_its_time(stack):
    call = services.place_call(to=CUSTOMER, from_=CENTER, twiml=say_and_wait("Hello."))
    wait_until(lambda: reload(call).status == CallStatus.IN_PROGRESS, timeout=30)
    at = timezone.now() + dt.timedelta(seconds=3)
    redirect = services.request_redirect(
        reload(call), twiml=say_and_wait("How did we do?"), at=at, origin="survey"
    )
    assert Redirect.objects.get(pk=redirect.pk).state == RedirectState.SCHEDULED
    wait_until(lambda: "How did we do?" in said(stack, reload(call).sid), timeout=20)
    # voicesim plays the new TwiML before the worker has stored its answer.
    redirect = wait_until(
        lambda: Redirect.objects.filter(pk=redirect.pk, state=RedirectState.DONE).first(),
        timeout=10,
    )
    assert at <= redirect.sent_at < at + dt.timedelta(seconds=5)
    services.hang_up(reload(call))
    wait_until(lambda: reload(call).status == CallStatus.COMPLETED, timeout=20)


def test_an_answering_machine_is_hung_up_by_asynchronous_detection(stack):
    """voicesim's +15550003NNN numbers are answering machines; the flow starts at once."""
    call = services.place_call(
        to="+15550003001",
        from_=CENTER,
        twiml=say_and_wait("Your parcel arrives tomorrow."),
        if_machine="hangup",
        async_amd=True,
    )
    wait_until(lambda: reload(call).status == CallStatus.COMPLETED, timeout=30)
    call = reload(call)
    assert (call.outcome, call.answered_by) == (Outcome.HANGUP_MACHINE, "machine_start")
    assert call.events.filter(kind="amd").count() == 1
    hang_up = Redirect.objects.get(call=call)
    assert (hang_up.target_status, hang_up.origin) == ("completed", Source.SYSTEM)
    wait_until(lambda: Redirect.objects.get(pk=hang_up.pk).state == RedirectState.DONE, timeout=10)

    transcript = stack.transcript(call.sid)
    events = [entry["event"] for entry in transcript]
    # The machine heard the message: the flow did not wait for the verdict. Which
    # came first is a race, as at Twilio: the detection runs while our answer
    # webhook is fetched, and a slow fetch starts the message after the verdict.
    assert "Your parcel arrives tomorrow." in said(stack, call.sid)
    [hung_up] = [entry for entry in transcript if entry["event"] == "hangup"]
    assert hung_up["reason"] == "Status=completed via API"
    assert events.index("amd") < transcript.index(hung_up)
