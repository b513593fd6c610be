"""The dialer's claim, without Twilio: DNC at dial time, the concurrency cap, pause,
windows, the outcome and retry of each attempt, and claims side by side."""

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from calls.models import Call, CallStatus, Outcome
from campaigns.models import ContactOutcome, ContactState
from campaigns.services import dialer, dnc, lifecycle, loops
from campaigns.services.outcomes import settle_call
from tests.support.processes import wait_until
from tests.support.twilio_requests import post_as_twilio, status_params

from .factories import campaign, with_contacts

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def running(*numbers: str, **fields):
    target = campaign(**{"calls_per_second": 100, **fields})
    with_contacts(target, *(f"{number},Ann" for number in numbers))
    lifecycle.start(target.pk)
    return target


def dial(target):
    return dialer.dial_next(target.pk, dialer.contact_zones(target.pk), max_wait=0.5)


def end_call(call: Call, status: str, outcome: str = "") -> None:
    Call.objects.filter(pk=call.pk).update(status=status, outcome=outcome)
    settle_call(call.pk)


def test_a_claimed_contact_gets_one_pending_call_with_its_flow_and_key():
    target = running("+12125550101", send_digits="ww1", if_machine="continue")
    result = dial(target)
    contact = target.contacts.get()
    assert result.kind == "dialed"
    call = result.call
    assert (call.status, call.to_number, call.from_number) == (
        CallStatus.PENDING,
        "+12125550101",
        "+14155550100",
    )
    assert (call.send_digits, call.if_machine, call.source) == ("ww1", "continue", "campaign")
    assert f"/contacts/{contact.pk}/answer?attempt=1" in call.url
    assert call.idempotency_key == f"campaign-{target.pk}-contact-{contact.pk}-attempt-1"
    assert (contact.state, contact.attempts, contact.last_call_id) == ("dialing", 1, call.pk)
    assert dial(target).kind == "nothing-due"


def test_a_contacts_own_send_digits_override_the_campaigns():
    target = campaign(send_digits="1")
    with_contacts(target, "+12125550101,9#", header="phone_number,send_digits")
    lifecycle.start(target.pk)
    assert dial(target).call.send_digits == "9#"


def test_a_number_put_on_the_dnc_list_after_import_is_not_dialed():
    target = running("+12125550101", "+12125550102")
    dnc.add_entry("+12125550101")
    result = dial(target)
    assert result.call.to_number == "+12125550102"
    assert target.contacts.get(phone_number="+12125550101").outcome == ContactOutcome.DNC
    assert Call.objects.filter(to_number="+12125550101").count() == 0


def test_live_calls_count_against_the_concurrency_cap():
    target = running("+12125550101", "+12125550102", max_concurrent_calls=1)
    first = dial(target).call
    assert dial(target).kind == "at-capacity"
    end_call(first, CallStatus.COMPLETED, Outcome.ANSWERED_HUMAN)
    assert dial(target).kind == "dialed"


def test_a_paused_campaign_dials_nobody_until_resumed():
    target = running("+12125550101")
    lifecycle.pause(target.pk)
    assert dial(target).kind == "stopped"
    lifecycle.resume(target.pk)
    assert dial(target).kind == "dialed"


def test_contacts_outside_their_window_wait():
    now = timezone.now().astimezone(UTC)
    # A one-hour window that has just closed in UTC.
    closed_hour = (now - timedelta(hours=2)).time().replace(minute=0, second=0, microsecond=0)
    target = running(
        "+15550009001",
        window_start=closed_hour,
        window_end=time(closed_hour.hour, 59),
        time_zone="UTC",
    )
    assert dial(target).kind == "nothing-due"
    assert target.contacts.get().state == ContactState.WAITING


@pytest.mark.parametrize(
    ("status", "outcome", "expected", "rule"),
    [
        (CallStatus.BUSY, "", ContactOutcome.BUSY, {"busy_max_attempts": 2}),
        (CallStatus.NO_ANSWER, "", ContactOutcome.NO_ANSWER, {"no_answer_max_attempts": 2}),
        (CallStatus.FAILED, "", ContactOutcome.FAILED, {"failed_max_attempts": 2}),
        (
            CallStatus.COMPLETED,
            Outcome.ANSWERED_MACHINE,
            ContactOutcome.ANSWERED_MACHINE,
            {"machine_max_attempts": 2},
        ),
        (
            CallStatus.COMPLETED,
            Outcome.HANGUP_MACHINE,
            ContactOutcome.HANGUP_MACHINE,
            {"machine_max_attempts": 2},
        ),
    ],
)
def test_each_retryable_outcome_is_retried_after_its_delay_up_to_its_maximum(
    status, outcome, expected, rule
):
    delays = {
        "busy_retry_delay": 60,
        "no_answer_retry_delay": 60,
        "failed_retry_delay": 60,
        "machine_retry_delay": 60,
    }
    target = running("+12125550101", **rule, **delays)
    first = dial(target).call
    end_call(first, status, outcome)
    contact = target.contacts.get()
    assert (contact.state, contact.outcome) == (ContactState.WAITING, expected)
    assert contact.next_attempt_at > timezone.now() + timedelta(seconds=55)
    assert dial(target).kind == "nothing-due"  # not before the delay
    target.contacts.update(next_attempt_at=timezone.now())
    second = dial(target).call
    assert second.pk != first.pk
    assert second.idempotency_key.endswith("attempt-2")
    end_call(second, status, outcome)
    contact.refresh_from_db()
    assert (contact.state, contact.outcome, contact.attempts) == ("done", expected, 2)


def test_an_answered_human_is_done_after_one_attempt_and_a_repeated_signal_changes_nothing():
    target = running("+12125550101")
    call = dial(target).call
    end_call(call, CallStatus.COMPLETED, Outcome.ANSWERED_HUMAN)
    settle_call(call.pk)
    contact = target.contacts.get()
    assert (contact.state, contact.outcome, contact.attempts) == (
        "done",
        ContactOutcome.ANSWERED_HUMAN,
        1,
    )
    assert contact.attempt_set.get().outcome == ContactOutcome.ANSWERED_HUMAN


def test_a_claim_run_twice_for_the_same_attempt_finds_the_earlier_call():
    target = running("+12125550101")
    call = dial(target).call
    contact = target.contacts.get()
    # The state a worker killed after its commit leaves behind, seen by a re-run.
    target.contacts.update(state=ContactState.WAITING, attempts=0)
    again = dial(target).call
    assert again.pk == call.pk
    assert Call.objects.filter(to_number=contact.phone_number).count() == 1


def test_the_window_is_checked_in_new_york_while_los_angeles_sleeps(monkeypatch):
    # 14:00 UTC: 09:00 in New York, 06:00 in Los Angeles (January).
    moment = datetime(2025, 1, 15, 14, 0, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    target = running("+14155550101", "+12125550102", window_start=time(8), window_end=time(20))
    assert dial(target).call.to_number == "+12125550102"
    assert dial(target).kind == "nothing-due"


def hold_share_lock(campaign_id: int, locked: threading.Event, release: threading.Event):
    """Another loop's claim in flight: the campaign row share-locked until released."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM campaigns_campaign WHERE id = %s FOR SHARE", [campaign_id]
            )
            locked.set()
            release.wait()
    finally:
        connection.close()


def waiting_for_a_lock() -> int:
    """Connections to the test database waiting for a lock another one holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_loops_claim_side_by_side_until_lines_run_short():
    # Lines for two more claims than there are claimers.
    claimers = dialer.MAX_LOOPS_PER_CAMPAIGN * dialer.claimers_per_loop()
    target = running(*(f"+121255501{n:02d}" for n in range(3)), max_concurrent_calls=claimers + 1)
    locked, release = threading.Event(), threading.Event()
    threads = [threading.Thread(target=hold_share_lock, args=(target.pk, locked, release))]
    results = []

    def claim():
        try:
            results.append(
                dialer.dial_next(
                    target.pk,
                    dialer.contact_zones(target.pk),
                    max_wait=0.5,
                    send=lambda call_id, pace: pace.taken.set(),
                ).kind
            )
        finally:
            connection.close()

    def claim_in_a_thread() -> threading.Thread:
        threads.append(threading.Thread(target=claim))
        threads[-1].start()
        return threads[-1]

    threads[0].start()
    try:
        assert locked.wait(30)
        # Lines for every claimer: the claims go while the other one is in flight.
        for _ in range(2):
            claim_in_a_thread().join()
        assert results == ["dialed", "dialed"]
        # Fewer lines than claimers: this claim waits for the other to finish.
        claim_in_a_thread()
        wait_until(waiting_for_a_lock, timeout=30, interval=0.02)
        assert results == ["dialed", "dialed"]
    finally:
        release.set()
        for thread in threads:
            thread.join()
    assert results == ["dialed", "dialed", "dialed"]


def test_a_stuck_pending_call_is_sent_again_through_the_send_window(
    monkeypatch, django_capture_on_commit_callbacks
):
    from campaigns import tasks

    target = running("+12125550101", calls_per_second=10)
    call = dial(target).call  # its token's send never ran: the call is still pending
    Call.objects.filter(pk=call.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    sent = []
    monkeypatch.setattr(
        tasks.send_paced, "apply_async", lambda args, countdown=None: sent.append(args)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert loops.resend_stuck_calls(target, timezone.now()) == 1
    # Not the core's dispatch, which knows no window: the campaign's paced send.
    assert sent == [(call.pk, f"campaign-{target.pk}", 10)]


@pytest.mark.parametrize(
    ("answered_by", "expected"),
    [("human", ContactOutcome.ANSWERED_HUMAN), ("machine_start", ContactOutcome.HANGUP_MACHINE)],
)
def test_an_end_heard_before_the_answer_request_settles_by_the_callbacks_answered_by(
    client, django_capture_on_commit_callbacks, answered_by, expected
):
    # A callee who hangs up while our answer URL is still busy: Twilio's final
    # status callback, which carries AnsweredBy, is recorded before the answer.
    target = running("+12125550101", if_machine="hangup", machine_max_attempts=1)
    call = dial(target).call
    params = status_params(
        "CA" + "7" * 32, "completed", 3, AnsweredBy=answered_by, CallDuration="5"
    )
    with django_capture_on_commit_callbacks(execute=True):
        posted = post_as_twilio(client, f"/twilio/status?call={call.pk}", params)
    assert posted.status_code == 204
    contact = target.contacts.get()
    assert (contact.state, contact.outcome) == (ContactState.DONE, expected)
    assert contact.attempt_set.get().outcome == expected
