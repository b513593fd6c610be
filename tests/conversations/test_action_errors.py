"""An action whose kind breaks on our side (a bug, a rule found broken while performing)
ends failed, readable by a supervisor, instead of staying `sending` for ever."""

from __future__ import annotations

import logging

import pytest

from calls.exceptions import RuleViolation
from conversations import registry, services
from conversations.models import ActionState
from conversations.registry import ActionKind
from conversations.tasks import send_action
from tests.conversations.test_actions import call as call
from tests.conversations.test_actions import conference as conference


def perform_broken(action):
    if action.params["how"] == "rule":
        raise RuleViolation("No customer is in the conversation.", field="call")
    return {"participant": action.params["missing"]}  # a KeyError: a bug


@pytest.fixture(autouse=True)
def broken_kind():
    kind = ActionKind(
        "broken",
        "Broken",
        "conversations.hold_conversation",
        lambda conference, params: {"how": params["how"]},
        perform_broken,
    )
    registry.register(kind)
    yield kind
    registry._KINDS.pop("broken")


def test_a_bug_in_a_kind_fails_the_action_once_with_a_plain_message(conference, call, caplog):
    action = services.action_request(call, "broken", {"how": "bug"})
    with caplog.at_level(logging.ERROR, logger="conversations.services.actions"):
        assert send_action.apply(args=(action.pk,)).successful()
    action.refresh_from_db()
    assert (action.state, action.attempts) == (ActionState.FAILED, 1)
    assert action.finished_at is not None
    assert action.error_message == services.actions.UNEXPECTED_FAILURE
    assert "Traceback" not in action.error_message and "KeyError" not in action.error_message
    [logged] = caplog.records
    assert logged.exc_info[0] is KeyError and f"action {action.pk}" in logged.getMessage()

    # Delivered again, the task finds nothing left to do.
    assert send_action.apply(args=(action.pk,)).successful()
    action.refresh_from_db()
    assert (action.state, action.attempts) == (ActionState.FAILED, 1)


def test_a_rule_found_broken_while_performing_fails_the_action_with_its_message(conference, call):
    action = services.action_request(call, "broken", {"how": "rule"})
    services.action_send(action.pk)
    action.refresh_from_db()
    assert action.state == ActionState.FAILED
    assert action.error_message == "No customer is in the conversation."
