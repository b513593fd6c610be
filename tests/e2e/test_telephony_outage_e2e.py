"""End to end: calls placed while Twilio cannot be reached.

A real worker places the calls with the real `twilio` client at an address
where nothing listens yet: every create is refused before it leaves, so sending
it later is safe. The worker tries again with backoff (2 s, 4 s, 8 s…) while the
waits fit in DISPATCH_RETRY_SECONDS; voicesim coming up on that address within
the budget gets each call once, and the call keeps no trace of the outage. A
call still unsent when the budget is spent fails with `twilio-unreachable`.
"""

from dataclasses import dataclass
from pathlib import Path

import pytest

from calls.models import Call, CallStatus
from tests.conftest import running_voicesim
from tests.support.network import unused_port
from tests.support.processes import wait_until
from tests.support.twiml import say_and_wait

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

CENTER = "+14155550100"
CUSTOMERS = ["+14155551301", "+14155551302", "+14155551303"]
MESSAGE = "Your order has shipped."


@dataclass
class Outage:
    """Twilio's address as the worker knows it, with nothing listening there yet."""

    port: int
    log: Path

    def twilio_is_back(self):
        """voicesim starts listening at the address the worker keeps trying."""
        return running_voicesim(self.log, port=self.port)


@pytest.fixture
def outage(settings, stack_settings, e2e_queues, celery_worker_factory, logs_dir) -> Outage:
    for name, value in stack_settings.items():
        setattr(settings, name, value)
    return Outage(port=unused_port(), log=logs_dir / "voicesim-after-outage.log")


def start_worker(factory, outage: Outage, **env: str) -> None:
    factory("outage", TWILIO_API_BASE_URL=f"http://127.0.0.1:{outage.port}", **env)


def place(client, to: str) -> Call:
    answer = client.post(
        "/api/v1/calls/", {"to": to, "from": CENTER, "twiml": str(say_and_wait(MESSAGE))}
    )
    assert answer.status_code == 202, answer.content
    return Call.objects.get(pk=answer.json()["id"])


def waiting_out_the_outage(call: Call) -> bool:
    """Tried more than once, each try refused, and waiting for the next."""
    call = Call.objects.get(pk=call.pk)
    return (
        call.status == CallStatus.PENDING
        and call.error_code == "twilio-unreachable"
        and call.dispatch_attempts >= 2
    )


def said(sim, sid: str) -> list[str]:
    return [entry["text"] for entry in sim.transcript(sid) if entry["event"] == "say"]


def test_calls_placed_during_an_outage_are_dialed_once_when_twilio_is_back(
    outage, celery_worker_factory, integration
):
    start_worker(celery_worker_factory, outage)  # the default budget: 300 s
    calls = [place(integration, to) for to in CUSTOMERS]

    wait_until(lambda: all(waiting_out_the_outage(call) for call in calls), timeout=30)
    shown = integration.get(f"/api/v1/calls/{calls[0].pk}/").json()
    assert (shown["status"], shown["error_code"]) == ("pending", "twilio-unreachable")
    assert "Could not connect" in shown["error_message"]

    with outage.twilio_is_back() as sim:
        try:
            for call in calls:
                sid = wait_until(lambda call=call: Call.objects.get(pk=call.pk).sid, timeout=60)
                wait_until(lambda sid=sid: MESSAGE in said(sim, sid), timeout=30)
            dialed = [entry["to"] for entry in sim.calls()]
            assert sorted(dialed) == CUSTOMERS  # each once
            for call in calls:
                shown = integration.get(f"/api/v1/calls/{call.pk}/").json()
                assert shown["status"] in ("ringing", "in-progress")
                assert (shown["error_code"], shown["error_message"]) == ("", "")
        finally:
            sim.hang_up_all()


def test_a_call_still_unsent_when_the_budget_is_spent_fails_as_twilio_unreachable(
    outage, celery_worker_factory, integration
):
    # Tries at 0, 2 and 6 s: the waits before the third add up to the budget.
    start_worker(celery_worker_factory, outage, DISPATCH_RETRY_SECONDS="6")
    call = place(integration, CUSTOMERS[0])

    wait_until(lambda: Call.objects.get(pk=call.pk).status == CallStatus.FAILED, timeout=30)
    shown = integration.get(f"/api/v1/calls/{call.pk}/").json()
    assert (shown["status"], shown["error_code"], shown["sid"]) == (
        "failed",
        "twilio-unreachable",
        None,
    )
    assert "Could not connect" in shown["error_message"]
    assert Call.objects.get(pk=call.pk).dispatch_attempts == 3
