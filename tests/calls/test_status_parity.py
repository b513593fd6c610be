"""The status rules are written twice: one SQL statement for PostgreSQL
(`status_statement`) and ORM queries under the call's row lock for other
databases (`events._record_with_row_lock`). Replaying the same callbacks,
shuffled, repeated and with legs before their parents, through both must leave
the same rows: calls, events and the redirects a call's end settles."""

from __future__ import annotations

import datetime as dt
import random
from email.utils import format_datetime

import pytest
from django.utils import timezone

from calls import services
from calls.models import (
    Call,
    CallEvent,
    CallStatus,
    Direction,
    Redirect,
    RedirectState,
    RedirectTrigger,
)
from calls.services import events
from calls.telephony import TwilioCall
from tests.support.twilio_requests import status_params

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

PARENT = "CA" + "1" * 32
LEG = "CA" + "2" * 32
OTHER_LEG = "CA" + "3" * 32
START = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
SEEDS = range(4)
REPEATS = 3


def callback(sid: str, status: str, sequence: int | None, **extra: str) -> dict:
    """A status callback `sequence` seconds into the call (a leg's names its parent)."""
    moment = format_datetime(START + dt.timedelta(seconds=sequence or 0))
    return status_params(sid, status, sequence, Timestamp=moment, **extra)


def leg(sid: str, status: str, sequence: int | None, **extra: str) -> dict:
    return callback(sid, status, sequence, ParentCallSid=PARENT, Direction="outbound-dial", **extra)


LIFE = [
    callback(PARENT, "initiated", 0),
    callback(PARENT, "ringing", 1),
    callback(PARENT, "in-progress", 2, AnsweredBy="human"),
    callback(PARENT, "completed", 9, CallDuration="7"),
]
LEGS = [
    leg(LEG, "initiated", 3),
    leg(LEG, "ringing", 4),
    leg(LEG, "in-progress", 5),
    leg(LEG, "completed", 8, CallDuration="3"),
    leg(OTHER_LEG, "ringing", 4),
    leg(OTHER_LEG, "no-answer", 6),
]
# Later news that contradicts the first: what a field was first told stays.
DISAGREEING = [
    callback(PARENT, "in-progress", 3, AnsweredBy="machine_start"),
    callback(PARENT, "completed", 11, CallDuration="9"),
    callback(PARENT, "failed", 12),
]
UNNUMBERED = [
    callback(PARENT, "ringing", None, CallbackSource="call-progress-events"),
    callback(PARENT, "busy", None, CallbackSource="call-progress-events", CallDuration="0"),
]

# (how the parent starts, its callbacks): "ours" is our outbound call already
# known by its SID, with a redirect due later and one waiting for its leg;
# "unbound" is ours before the create's answer came (bound by our id in the
# callback URL); "unknown" is a call first seen in a callback (inbound).
SCENARIOS = {
    "a whole life": ("ours", LIFE),
    "callbacks that disagree": ("ours", LIFE + DISAGREEING),
    "a life with its legs": ("ours", LIFE + LEGS),
    "legs before their parent is known": ("unknown", LEGS + LIFE),
    "legs before our call's create answer": ("unbound", LEGS + LIFE),
    "callbacks that beat the create's answer": ("unbound", LIFE),
    "callbacks without sequence numbers": ("ours", UNNUMBERED),
}


def start(parent: str) -> Call | None:
    """The rows before the first callback; the call whose id the callbacks carry."""
    if parent == "unknown":
        return None
    call = Call.objects.create(
        sid=PARENT if parent == "ours" else None,
        direction=Direction.OUTBOUND_API,
        status=CallStatus.QUEUED if parent == "ours" else CallStatus.DISPATCHING,
        to_number="+14155551212",
        from_number="+14155550100",
        url="https://app.example/flow",
    )
    later = timezone.now() + dt.timedelta(hours=1)
    Redirect.objects.create(
        call=call,
        url="https://app.example/later",
        trigger=RedirectTrigger.AT,
        due_at=later,
        state=RedirectState.SCHEDULED,
    )
    Redirect.objects.create(
        call=call,
        url="https://app.example/survey",
        trigger=RedirectTrigger.LEG_ENDED,
        state=RedirectState.SCHEDULED,
    )
    return call


def deliveries(callbacks: list[dict], seed: int) -> list[dict]:
    """The callbacks shuffled, some of them twice, as a retrying Twilio delivers them."""
    rng = random.Random(seed)
    delivered = callbacks + rng.choices(callbacks, k=REPEATS)
    rng.shuffle(delivered)
    return delivered


def replay(parent: str, delivered: list[dict]) -> dict:
    """Record the callbacks in order; the rows they leave, and which were news."""
    ours = start(parent)
    news = []
    for params in delivered:
        call_id = ours.pk if ours is not None and params["CallSid"] == PARENT else None
        news.append(services.record_status_event(params, call_id=call_id) is not None)
    rows = {"news": news, **stored_rows()}
    Call.objects.all().delete()  # with their legs, events and redirects
    return rows


def stored_rows() -> dict:
    compared = [
        field.attname
        for field in Call._meta.concrete_fields
        if field.attname not in ("id", "parent_id", "created_at", "updated_at", "last_event_at")
    ]
    return {
        "calls": sorted(Call.objects.values_list("sid", "parent__sid", *compared), key=repr),
        "events": sorted(
            CallEvent.objects.values_list(
                "call__sid",
                "kind",
                "call_status",
                "sequence_number",
                "timestamp",
                "fingerprint",
                "params",
            ),
            key=repr,
        ),
        "redirects": sorted(
            Redirect.objects.values_list("call__sid", "url", "trigger", "state", "error_message")
        ),
    }


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_one_statement_and_row_lock_paths_leave_the_same_rows(scenario, seed, monkeypatch):
    parent, callbacks = SCENARIOS[scenario]
    delivered = deliveries(callbacks, seed)

    in_one_statement = replay(parent, delivered)
    monkeypatch.setattr(events, "_uses_one_statement", lambda: False)
    under_row_lock = replay(parent, delivered)

    assert in_one_statement == under_row_lock
    assert in_one_statement["calls"], "the callbacks recorded nothing"
    legs = {sid: parent_sid for sid, parent_sid, *_ in in_one_statement["calls"] if sid != PARENT}
    assert set(legs.values()) <= {PARENT}, "a leg was left without its parent"


@pytest.mark.parametrize("path", ["one statement", "row lock"])
@pytest.mark.parametrize("parent", ["unknown", "unbound"])
def test_legs_heard_of_before_their_parent_are_attached_once_it_is_known(parent, path, monkeypatch):
    if path == "row lock":
        monkeypatch.setattr(events, "_uses_one_statement", lambda: False)
    before_the_parent = replay(parent, LEGS)
    assert {row[1] for row in before_the_parent["calls"] if row[0] != PARENT} == {None}

    rows = replay(parent, [*LEGS, LIFE[0]])

    parents = {sid: parent_sid for sid, parent_sid, *_ in rows["calls"]}
    assert parents == {PARENT: None, LEG: PARENT, OTHER_LEG: PARENT}


@pytest.mark.parametrize("path", ["one statement", "row lock"])
def test_legs_heard_of_before_the_create_answer_are_attached_by_it(path, monkeypatch):
    if path == "row lock":
        monkeypatch.setattr(events, "_uses_one_statement", lambda: False)
    ours = start("unbound")
    for params in LEGS:
        services.record_status_event(params)

    services.record_snapshot(ours.pk, created_at_twilio(PARENT))

    assert set(Call.objects.filter(parent=ours).values_list("sid", flat=True)) == {LEG, OTHER_LEG}


def created_at_twilio(sid: str) -> TwilioCall:
    """The create's answer: the call as Twilio's REST API shows it."""
    return TwilioCall(
        sid=sid,
        account_sid="AC" + "0" * 32,
        parent_call_sid="",
        status=CallStatus.QUEUED,
        direction=Direction.OUTBOUND_API,
        from_number="+14155550100",
        to_number="+14155551212",
        answered_by="",
        start_time=None,
        end_time=None,
        duration=None,
        price=None,
        price_unit="USD",
        queue_time=None,
        date_created=START,
    )
