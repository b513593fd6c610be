"""Actions on a live conversation: asked, scheduled, claimed, sent, canceled.

Every action is a `ConversationAction` row first, its parameters checked by
its kind's validator, and is sent by a task: scheduled → queued → sending →
done | failed, like `calls.services.redirects`. A scheduled row waits in the
database until the beat task claims it with `SKIP LOCKED`; the send moves
`queued` to `sending` under the row lock, so a second delivery of the same task
finds nothing to do, and the kind's performer runs once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from functools import partial

from django.db import transaction
from django.utils import timezone

from calls import services as call_services
from calls.exceptions import RuleViolation, TwilioError, TwilioUnreachable
from calls.models import Call
from calls.services.claiming import claim_due
from calls.services.send_attempts import attempt_end, attempt_retry_or_fail

from .. import selectors
from ..models import ActionState, ConversationAction, Origin
from ..registry import kind_named
from ..tasks import send_action as send_action_task

CLAIM_BATCH = 200
# A conference whose SID Twilio has not told us yet is asked again this soon.
SID_WAIT_SECONDS = 0.5
SID_WAIT_ATTEMPTS = 20
# What a supervisor reads when a kind broke on our side: the details are in the log.
UNEXPECTED_FAILURE = "It could not be done because of an error on our side; nothing more was tried."

logger = logging.getLogger(__name__)


def token_fingerprint(token_key: str) -> str:
    """Which API token asked, without keeping the token: the start of its SHA-256."""
    return hashlib.sha256(token_key.encode()).hexdigest()[:16] if token_key else ""


def action_request(
    call: Call,
    kind: str,
    params: Mapping | None = None,
    *,
    at: dt.datetime | None = None,
    origin: str = Origin.API,
    requested_by=None,
    api_token: str = "",
    reason: str = "",
) -> ConversationAction:
    """Ask for an action of `kind` on the call's live conversation, now or `at` a moment.

    Raises RuleViolation: on `kind` for an unknown kind, on a parameter for a
    bad one, on `at` for a past time, and with code `no_conversation` when the
    call has no live conversation (nothing is saved then).
    """
    action_kind = kind_named(kind)
    if at is not None and at <= timezone.now():
        raise RuleViolation(
            "The time must be in the future; leave it out to act now.", field="at", code="past"
        )
    with transaction.atomic():
        conference = selectors.live_conference(call, lock=True)
        if conference is None:
            raise RuleViolation(
                "The call has no live conversation.", field="call", code="no_conversation"
            )
        cleaned = action_kind.validate(conference, dict(params or {}))
        action = ConversationAction.objects.create(
            call=call,
            conference=conference,
            kind=action_kind.name,
            params=cleaned,
            state=ActionState.SCHEDULED if at is not None else ActionState.QUEUED,
            due_at=at,
            origin=origin,
            requested_by=requested_by,
            api_token=token_fingerprint(api_token),
            reason=reason,
        )
        if at is None:
            transaction.on_commit(partial(send_action_task.delay, action.pk))
    return action


def action_cancel(action: ConversationAction, *, requested_by=None) -> ConversationAction:
    """Withdraw an action still waiting for its time; any other state is refused."""
    return call_services.cancel_scheduled(action, noun="action", requested_by=requested_by)


def actions_fire_due(*, now: dt.datetime | None = None) -> list[int]:
    """Claim the scheduled actions whose time has come and queue their sends."""
    return claim_due(
        ConversationAction.objects.all(),
        now=now or timezone.now(),
        batch=CLAIM_BATCH,
        send_task=send_action_task,
    )


def action_send(action_id: int) -> ConversationAction | None:
    """Perform one queued action through its kind; None when there was nothing to do.

    Raises RetryLater when Twilio asked us to come back, or the conference's SID
    is not known yet; the row is `queued` again meanwhile. Any other error of the
    performer fails the action for good (a bug is not cured by sending again): a
    rule it found broken with that rule's message, anything else with a plain
    sentence, the exception being logged for whoever fixes it.
    """
    action = _start_sending(action_id)
    if action is None:
        return None
    kind = kind_named(action.kind)
    try:
        changes = kind.perform(action) or {}
    except TwilioError as exc:
        if exc.retryable:
            return attempt_retry_or_fail(action, exc.code, exc.message, 2**action.attempts)
        return attempt_end(action, ActionState.FAILED, exc.code, exc.message)
    except TwilioUnreachable as exc:
        return attempt_retry_or_fail(action, None, str(exc), 2**action.attempts)
    except Exception as exc:
        logger.exception("Conversation action %s (%s) failed", action.pk, action.kind)
        message = exc.message if isinstance(exc, RuleViolation) else UNEXPECTED_FAILURE
        return attempt_end(action, ActionState.FAILED, message=message)
    return attempt_end(action, ActionState.DONE, changes=changes)


def action_overturned(action_id: int, message: str) -> bool:
    """An action done (or still being done) whose effect did not hold, as a transfer
    whose target never answered, ends failed after all, saying why: its result on
    the timeline is what happened, not what was asked. False when it had already
    ended otherwise (failed, or overturned once: the callers' guard against twice).
    """
    with transaction.atomic():
        action = ConversationAction.objects.select_for_update().get(pk=action_id)
        if action.state not in (ActionState.SENDING, ActionState.DONE):
            return False
        action.state = ActionState.FAILED
        action.error_message = message[:500]
        action.finished_at = timezone.now()
        action.save(update_fields=["state", "error_message", "finished_at"])
    return True


def _start_sending(action_id: int) -> ConversationAction | None:
    with transaction.atomic():
        action = (
            ConversationAction.objects.select_for_update(of=("self",))
            .select_related("conference", "call")
            .filter(pk=action_id)
            .first()
        )
        if action is None or action.state != ActionState.QUEUED:
            return None
        problem = _why_not_now(action)
        if problem is not None:
            action.state, action.error_message = problem
            action.finished_at = timezone.now()
            action.save(update_fields=["state", "error_message", "finished_at"])
            return None
        if kind_named(action.kind).needs_conference_sid and not action.conference.sid:
            _wait_for_sid(action)
            return None
        action.state = ActionState.SENDING
        action.attempts += 1
        action.sent_at = timezone.now()
        action.save(update_fields=["state", "attempts", "sent_at"])
    return action


def _wait_for_sid(action: ConversationAction) -> None:
    """Twilio names the conference in its first callback: ask again shortly, a few times."""
    action.attempts += 1
    if action.attempts > SID_WAIT_ATTEMPTS:
        action.state = ActionState.FAILED
        action.error_message = "Twilio has not named the conference; nothing was sent."
        action.finished_at = timezone.now()
        action.save(update_fields=["attempts", "state", "error_message", "finished_at"])
        return
    action.save(update_fields=["attempts"])
    transaction.on_commit(
        partial(send_action_task.apply_async, (action.pk,), countdown=SID_WAIT_SECONDS)
    )


def _why_not_now(action: ConversationAction) -> tuple[str, str] | None:
    """(state, message) when the action can no longer be performed as asked."""
    if not action.conference.is_live or action.call.is_final:
        return ActionState.SKIPPED, "The conversation had ended."
    try:
        action.params = kind_named(action.kind).validate(action.conference, action.params)
    except RuleViolation as refused:
        return ActionState.FAILED, refused.message
    return None
