"""End to end: redirects scheduled through the API on live calls, with two
Celery workers and beat claiming them, and voicesim carrying them out.

A redirect due after N seconds is sent once, about a second after its time at
worst (beat claims due rows every second); one canceled before its time never
reaches Twilio; one waiting for the agent's leg goes when that leg ends; one
whose call ended first is recorded as skipped.
"""

import datetime as dt

import httpx
import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from calls import services
from calls.models import Call, CallStatus, Redirect, RedirectState, RedirectTrigger
from tests.api.records import member_of
from tests.support.processes import wait_until
from tests.support.twiml import dial_agent, say_and_wait

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

CUSTOMER = "+14155551234"
AGENT = "+14155556789"
CENTER = "+14155550100"
# Beat claims due redirects every half second and the send follows within
# ~0.1 s: "within a second of its time", with room for a busy machine.
LATENESS_ALLOWED = dt.timedelta(seconds=1.0)


def bridge_then_hold() -> str:
    """Dial the agent (leg callbacks to us), then keep the caller on the line."""
    return say_and_wait("Your agent has left the call.", dial_agent(AGENT))


@pytest.fixture
def second_worker(celery_worker_factory):
    """A worker besides the stack's (which runs beat): sends may land on either."""
    return celery_worker_factory("scheduled-second")


@pytest.fixture
def api(stack, second_worker, live_server):
    token = Token.objects.create(user=member_of("Supervisors"))
    headers = {"Authorization": f"Token {token.key}"}
    with httpx.Client(base_url=f"{live_server.url}/api/v1", headers=headers, timeout=10) as client:
        yield client


def reload(call: Call) -> Call:
    return Call.objects.get(pk=call.pk)


def live_call(twiml: str) -> Call:
    call = services.place_call(to=CUSTOMER, from_=CENTER, twiml=twiml)
    return wait_until(
        lambda: Call.objects.filter(pk=call.pk, status=CallStatus.IN_PROGRESS).first(), timeout=30
    )


def entries(stack, call: Call, event: str) -> list[dict]:
    return [entry for entry in stack.transcript(call.sid) if entry["event"] == event]


def said(stack, call: Call) -> list[str]:
    return [entry["text"] for entry in entries(stack, call, "say")]


def schedule(api, call: Call, verb: str, body: dict) -> Redirect:
    response = api.post(f"/calls/{call.sid}/{verb}/", json=body)
    assert response.status_code == 202, response.text
    return Redirect.objects.get(pk=response.json()["id"])


def settled(redirect: Redirect, state: str) -> Redirect | None:
    return Redirect.objects.filter(pk=redirect.pk, state=state).first()


def end(stack, call: Call) -> None:
    stack.sim("POST", f"calls/{call.sid}/hangup")
    wait_until(lambda: reload(call).status == CallStatus.COMPLETED, timeout=20)


def test_a_redirect_after_seconds_fires_once_on_time_and_a_canceled_one_never(stack, api):
    call = live_call(say_and_wait("Hello."))

    fired = schedule(
        api, call, "redirect", {"twiml": say_and_wait("Redirected once."), "after_seconds": 2}
    )
    withdrawn = schedule(
        api, call, "redirect", {"twiml": say_and_wait("Never said."), "after_seconds": 2}
    )
    canceled = api.post(f"/redirects/{withdrawn.pk}/cancel/")
    assert canceled.status_code == 200, canceled.text

    fired = wait_until(lambda: settled(fired, RedirectState.DONE), timeout=10)
    # Both were due at once: give beat and both workers time to (wrongly) send again.
    wait_until(lambda: "Redirected once." in said(stack, call), timeout=5)
    wait_until(lambda: timezone.now() > withdrawn.due_at + LATENESS_ALLOWED, timeout=5)

    lateness = fired.sent_at - fired.due_at
    print(
        f"after_seconds=2: sent {lateness.total_seconds():.3f} s after due_at, "
        f"done {(fired.finished_at - fired.due_at).total_seconds():.3f} s after"
    )
    assert dt.timedelta(0) <= lateness <= LATENESS_ALLOWED
    assert (fired.trigger, fired.attempts) == (RedirectTrigger.AT, 1)
    assert said(stack, call) == ["Hello.", "Redirected once."]
    assert len(entries(stack, call, "redirect-requested")) == 1
    withdrawn = Redirect.objects.get(pk=withdrawn.pk)
    assert (withdrawn.state, withdrawn.attempts, withdrawn.sent_at) == (
        RedirectState.CANCELED,
        0,
        None,
    )
    end(stack, call)


def test_a_redirect_when_the_leg_ends_waits_for_the_agent_to_hang_up(stack, api):
    call = live_call(bridge_then_hold())
    leg = wait_until(lambda: call.legs.filter(status=CallStatus.IN_PROGRESS).first(), timeout=20)

    survey = schedule(
        api,
        call,
        "redirect",
        {"twiml": say_and_wait("How did we do?"), "when_leg_ends": True},
    )
    assert (survey.trigger, survey.state) == (RedirectTrigger.LEG_ENDED, RedirectState.SCHEDULED)
    hung_up_at = timezone.now()
    stack.sim("POST", f"calls/{leg.sid}/hangup")

    wait_until(lambda: "How did we do?" in said(stack, call), timeout=15)
    survey = wait_until(lambda: settled(survey, RedirectState.DONE), timeout=10)
    assert reload(leg).status == CallStatus.COMPLETED
    assert survey.sent_at > hung_up_at
    assert survey.attempts == 1
    print(
        f"when_leg_ends: sent {(survey.sent_at - hung_up_at).total_seconds():.3f} s "
        "after the agent's leg was hung up"
    )
    assert said(stack, call).count("How did we do?") == 1
    end(stack, call)


def test_a_redirect_of_a_call_that_ended_first_is_skipped(stack, api):
    call = live_call(say_and_wait("Hello."))
    later = schedule(
        api, call, "redirect", {"url": "https://flows.example.com/survey", "after_seconds": 60}
    )

    end(stack, call)

    later = wait_until(lambda: settled(later, RedirectState.SKIPPED), timeout=10)
    assert (later.attempts, later.sent_at) == (0, None)
    assert "ended" in later.error_message
    assert entries(stack, call, "redirect-requested") == []
