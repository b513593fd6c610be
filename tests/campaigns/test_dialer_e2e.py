"""End to end: campaigns dialed by real Celery workers on Redis and PostgreSQL,
answered by voicesim's phonebook (busy, no answer, failed, machine, human), with
what the far end heard read from voicesim's transcript."""

from __future__ import annotations

import os
import signal
import subprocess
from collections import Counter
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from calls.models import Call, CallStatus
from campaigns.models import Campaign, ContactOutcome, ContactState
from campaigns.services import dnc, lifecycle
from campaigns.tasks import dialer_queue
from tests.support.processes import wait_until

from .factories import campaign, with_contacts

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

NO_DELAYS = {
    "busy_retry_delay": 0,
    "no_answer_retry_delay": 0,
    "failed_retry_delay": 0,
    "machine_retry_delay": 0,
}


def creates_per_number(stack, numbers) -> Counter:
    """How many times voicesim was asked to create a call to each number."""
    wanted = set(numbers)
    return Counter(
        call["to"]
        for call in stack.calls()
        if call["to"] in wanted and call["direction"] == "outbound-api"
    )


def all_done(target: Campaign, timeout: float = 60) -> dict[str, object]:
    def undone() -> list[tuple[str, str, str | None]]:
        left = target.contacts.exclude(state=ContactState.DONE)
        return list(left.values_list("phone_number", "state", "last_call__status"))

    wait_until(lambda: not undone(), timeout=timeout, interval=0.2, explain=undone)
    return {c.phone_number: c for c in target.contacts.select_related("last_call")}


def events(stack, sid: str) -> list[dict]:
    return stack.transcript(sid)


def test_every_outcome_is_recorded_and_retried_by_its_rule(stack):
    numbers = {
        "+15550001101": ContactOutcome.BUSY,
        "+15550002101": ContactOutcome.NO_ANSWER,
        "+15550005101": ContactOutcome.FAILED,
        "+15550003101": ContactOutcome.HANGUP_MACHINE,
        "+15550007101": ContactOutcome.ANSWERED_HUMAN,
    }
    target = campaign(
        name="Outcomes",
        if_machine="hangup",
        timeout=10,
        calls_per_second=5,
        busy_max_attempts=2,
        no_answer_max_attempts=2,
        failed_max_attempts=2,
        machine_max_attempts=2,
        **NO_DELAYS,
    )
    with_contacts(target, *(f"{number},Ann" for number in numbers))
    lifecycle.start(target.pk)
    done = all_done(target)
    assert {number: contact.outcome for number, contact in done.items()} == numbers
    attempts = {number: contact.attempts for number, contact in done.items()}
    assert attempts == {number: 1 if number == "+15550007101" else 2 for number in numbers}
    assert creates_per_number(stack, numbers) == Counter(attempts)
    machine = done["+15550003101"].last_call
    assert machine.outcome == "hangup-machine"
    assert not [e for e in events(stack, machine.sid) if e["event"] == "say"]
    wait_until(lambda: Campaign.objects.get(pk=target.pk).state == "completed", timeout=5)


def test_continue_leaves_the_voicemail_after_the_beep_and_send_digits_reach_the_far_end(stack):
    target = campaign(
        name="Voicemail",
        if_machine="continue",
        message="Hello $first_name, this is your reminder.",
        voicemail_message="Sorry we missed you, $first_name.",
        send_digits="1",
        calls_per_second=5,
    )
    # Noa stays on the line until the message ends (+1555000 7… hangs up half a
    # second after answering: before the message, when the webhooks are slower).
    with_contacts(
        target,
        "+15550003201,Mia,",
        "+15550006201,Noa,ww123#",
        header="phone_number,first_name,send_digits",
    )
    lifecycle.start(target.pk)
    done = all_done(target)
    machine, human = done["+15550003201"], done["+15550006201"]
    assert (machine.outcome, human.outcome) == ("answered-machine", "answered-human")
    heard = events(stack, machine.last_call.sid)
    kinds = [e["event"] for e in heard]
    said = [e["text"] for e in heard if e["event"] == "say"]
    assert said == ["Sorry we missed you, Mia."]
    amd = next(e for e in heard if e["event"] == "amd")
    assert amd["answered_by"] == "machine_end_beep"
    assert kinds.index("amd") < kinds.index("say")
    human_heard = events(stack, human.last_call.sid)
    assert [e["digits"] for e in human_heard if e["event"] == "digits-sent"] == ["ww123#"]
    assert [e["text"] for e in human_heard if e["event"] == "say"] == [
        "Hello Noa, this is your reminder."
    ]


def test_window_in_each_contacts_zone_and_dnc_checked_again_at_dial_time(stack):
    hour = datetime.now(ZoneInfo("America/New_York")).hour
    # Open for the current hour in New York; Los Angeles is three hours behind.
    window = {"window_start": time(hour), "window_end": time(hour, 59, 59)}
    target = campaign(name="Zones", calls_per_second=5, **window)
    with_contacts(target, "+12125550301,Ny", "+14155550301,La", "+12125550302,Late dnc")
    dnc.add_entry("+12125550302", reason="asked not to be called")
    lifecycle.start(target.pk)
    wait_until(lambda: target.contacts.filter(state=ContactState.DONE).count() == 2, timeout=30)
    contacts = {c.phone_number: c for c in target.contacts.all()}
    assert contacts["+12125550301"].outcome == ContactOutcome.ANSWERED
    assert contacts["+12125550302"].outcome == ContactOutcome.DNC
    assert contacts["+14155550301"].state == ContactState.WAITING
    numbers = ["+12125550301", "+12125550302", "+14155550301"]
    assert creates_per_number(stack, numbers) == Counter({"+12125550301": 1})


def test_pause_stops_new_dials_at_once_and_resume_finishes_the_list(stack):
    numbers = [f"+155500074{n:02d}" for n in range(8)]
    target = campaign(name="Paused", calls_per_second=2)
    with_contacts(target, *(f"{number},Ann" for number in numbers))
    lifecycle.start(target.pk)
    wait_until(lambda: target.contacts.exclude(attempts=0).count() >= 2, timeout=20)
    lifecycle.pause(target.pk)
    dialed = target.contacts.exclude(attempts=0).count()
    assert dialed < len(numbers)
    wait_until(lambda: sum(creates_per_number(stack, numbers).values()) == dialed, timeout=10)
    # Two seconds paused would be four more calls at this pace: none may come.
    with pytest.raises(AssertionError):
        wait_until(lambda: target.contacts.exclude(attempts=0).count() > dialed, timeout=2)
    lifecycle.resume(target.pk)
    all_done(target)
    assert creates_per_number(stack, numbers) == Counter(dict.fromkeys(numbers, 1))


def confirmed(command, node: str) -> None:
    """Send a consumer `command` (cancel or add) to the worker `node`; return once it answered."""
    wait_until(lambda: command(dialer_queue(), destination=[node], reply=True), timeout=30)


def kill_between_creates(victim: subprocess.Popen, target: Campaign, stack) -> None:
    """SIGKILL the victim at a moment when each create it began has reached Twilio.

    The victim is frozen first and only killed if no call of the campaign is
    `dispatching` without Twilio knowing it; else it goes on until those
    creates arrive, and is frozen again. A call whose row a transaction still
    locks counts as such a call: that transaction's commit (a `dispatching` the
    victim sent just before it froze) may land after the look. A create cut off
    before it left is a lost create's answer, which the reconciler settles
    minutes later by listing Twilio's calls (tests/calls/test_gateway.py), not
    within this test.
    """

    def unsent() -> set[str]:
        calls = Call.objects.filter(campaign_attempt__contact__campaign=target)
        numbers = set(calls.values_list("to_number", flat=True))
        with transaction.atomic():
            # Locking reads see the latest commit, and skip the rows still changing.
            settled = dict(
                calls.select_for_update(skip_locked=True, of=("self",)).values_list(
                    "to_number", "status"
                )
            )
        dispatching = {
            number for number, status in settled.items() if status == CallStatus.DISPATCHING
        }
        known = {call["to"] for call in stack.calls()}
        return (dispatching | (numbers - settled.keys())) - known

    while True:
        os.killpg(victim.pid, signal.SIGSTOP)
        if not unsent():
            break
        os.killpg(victim.pid, signal.SIGCONT)
        wait_until(lambda: not unsent(), timeout=10, interval=0.02)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()


def test_a_worker_killed_mid_campaign_leaves_every_contact_dialed_exactly_once(
    stack, celery_worker_factory, logs_dir
):
    from callcenter.celery import app

    # The stack's worker takes no loops until the victim is killed: the victim must.
    confirmed(app.control.cancel_consumer, celery_worker_factory.nodes["e2e"])
    victim = celery_worker_factory("victim", concurrency=2)
    numbers = [f"+155500075{n:02d}" for n in range(40)]
    target = campaign(name="Killed", calls_per_second=10, max_concurrent_calls=40)
    with_contacts(target, *(f"{number},Ann" for number in numbers))
    lifecycle.start(target.pk)
    wait_until(lambda: target.contacts.exclude(attempts=0).count() >= 12, timeout=20, interval=0.02)
    assert "campaigns.tasks.run_dialer" in (logs_dir / "victim.log").read_text()
    kill_between_creates(victim, target, stack)
    # The survivor takes the dialing over once the killed loop's lease lapses.
    confirmed(app.control.add_consumer, celery_worker_factory.nodes["e2e"])
    done = all_done(target, timeout=90)
    assert all(contact.attempts == 1 for contact in done.values())
    assert creates_per_number(stack, numbers) == Counter(dict.fromkeys(numbers, 1))
