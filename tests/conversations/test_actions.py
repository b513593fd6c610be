"""The life of an action on a live conversation: asked, scheduled, claimed, sent once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from calls.exceptions import RuleViolation, TwilioError
from calls.models import Call, CallStatus, Direction
from conversations import registry, services
from conversations.models import ActionState, ConversationAction, Origin
from conversations.registry import ActionKind

performed: list[int] = []


def knock(conference, params):
    if params.get("times", 1) not in (1, 2):
        raise RuleViolation("Knock once or twice.", field="times")
    return {"times": params.get("times", 1)}


def perform_knock(action):
    if action.params["times"] == 2:
        raise TwilioError("Participant not found", code=20404, status=404)
    performed.append(action.pk)


@pytest.fixture(autouse=True)
def knock_kind():
    """A kind of the tests' own, registered as another app would register one."""
    kind = ActionKind("knock", "Knock", "conversations.hold_conversation", knock, perform_knock)
    registry.register(kind)
    performed.clear()
    yield kind
    registry._KINDS.pop("knock")


@pytest.fixture
def call(db) -> Call:
    return Call.objects.create(
        sid="CA" + "1" * 32,
        direction=Direction.INBOUND,
        from_number="+14155550100",
        to_number="+14155559000",
        status=CallStatus.IN_PROGRESS,
    )


@pytest.fixture
def conference(call):
    conference = services.conference_open(call)
    conference.sid = "CF" + "1" * 32
    conference.save()
    return conference


def test_an_unknown_kind_or_bad_parameter_is_refused_on_its_field(conference, call):
    with pytest.raises(RuleViolation) as unknown:
        services.action_request(call, "dance")
    assert unknown.value.field == "kind"
    with pytest.raises(RuleViolation) as bad:
        services.action_request(call, "knock", {"times": 3})
    assert bad.value.field == "times"
    assert not ConversationAction.objects.exists()


def test_a_call_without_a_live_conversation_is_refused(call):
    with pytest.raises(RuleViolation) as refused:
        services.action_request(call, "knock")
    assert refused.value.code == "no_conversation"


def test_an_action_is_sent_once_however_often_its_task_runs(
    conference, call, django_capture_on_commit_callbacks, django_user_model
):
    asker = django_user_model.objects.create(username="sam")
    with django_capture_on_commit_callbacks() as handed_over:
        action = services.action_request(
            call, "knock", origin=Origin.BOARD, requested_by=asker, api_token="secret-token"
        )
    assert len(handed_over) == 1
    assert action.api_token and "secret" not in action.api_token
    for _ in range(2):
        services.action_send(action.pk)
    action.refresh_from_db()
    assert (action.state, action.attempts, performed) == (ActionState.DONE, 1, [action.pk])


def test_twilio_refusing_fails_the_action_with_its_code(conference, call):
    action = services.action_request(call, "knock", {"times": 2})
    services.action_send(action.pk)
    action.refresh_from_db()
    assert (action.state, action.error_code) == (ActionState.FAILED, 20404)
    assert action.error_message == "Participant not found"


def test_a_scheduled_action_waits_for_its_time_and_can_be_canceled(conference, call):
    soon = timezone.now() + dt.timedelta(seconds=30)
    action = services.action_request(call, "knock", at=soon)
    withdrawn = services.action_request(call, "knock", at=soon)
    assert services.actions_fire_due() == []
    services.action_cancel(withdrawn)
    assert services.actions_fire_due(now=soon) == [action.pk]
    action.refresh_from_db()
    assert action.state == ActionState.QUEUED
    with pytest.raises(RuleViolation):
        services.action_cancel(action)
    withdrawn.refresh_from_db()
    assert withdrawn.state == ActionState.CANCELED


def test_an_action_due_after_the_conversation_ended_is_skipped(conference, call):
    action = services.action_request(call, "knock", at=timezone.now() + dt.timedelta(seconds=5))
    conference.status = "completed"
    conference.save()
    services.actions_fire_due(now=timezone.now() + dt.timedelta(seconds=6))
    services.action_send(action.pk)
    action.refresh_from_db()
    assert action.state == ActionState.SKIPPED and performed == []
