"""Setting up queues, their numbers, agents and surveys: what the admin edits as
configuration, done here for the API.

Each write runs the same checks the admin's forms run: the model's own field
rules and `clean()` (`full_clean`), and `queues.rules` for what a form adds
(an agent's endpoint, a survey's question positions). A refusal is a Django
`ValidationError` keyed by field, or a `RuleViolation` when the row's state
refuses it (a queue with callers' history, an agent on a call); nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from calls.exceptions import RuleViolation

from .. import rules
from ..models import Agent, AgentStatus, InboundNumber, Queue, Survey, SurveyQuestion


def _saved(instance: models.Model, changes: dict[str, Any]) -> models.Model:
    """`instance` with `changes`, checked as the admin's form checks it, then saved."""
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


def queue_create(**fields: Any) -> Queue:
    return _saved(Queue(), fields)


def queue_update(queue: Queue, **changes: Any) -> Queue:
    with transaction.atomic():
        return _saved(Queue.objects.select_for_update().get(pk=queue.pk), changes)


def _deleted_unless(instance: models.Model, refusal: Callable[[Any], str | bool]) -> None:
    """Delete `instance` under its row lock, unless `refusal` of the locked row says why not."""
    with transaction.atomic():
        locked = type(instance).objects.select_for_update().get(pk=instance.pk)
        reason = refusal(locked)
        if reason:
            raise RuleViolation(reason, code="in-use")
        locked.delete()


def queue_delete(queue: Queue) -> None:
    """A queue that has held callers keeps its record: their waits point at it."""
    _deleted_unless(
        queue,
        lambda locked: (
            locked.entries.exists()
            and f"{locked} has held callers; their waits keep it. Take its numbers away "
            "and turn off auto distribute instead."
        ),
    )


def inbound_number_create(**fields: Any) -> InboundNumber:
    return _saved(InboundNumber(), fields)


def inbound_number_update(number: InboundNumber, **changes: Any) -> InboundNumber:
    with transaction.atomic():
        return _saved(InboundNumber.objects.select_for_update().get(pk=number.pk), changes)


def inbound_number_delete(number: InboundNumber) -> None:
    InboundNumber.objects.filter(pk=number.pk).delete()


def _agent_saved(agent: Agent, changes: dict[str, Any]) -> Agent:
    queues = changes.pop("queues", None)
    kind = changes.get("endpoint_kind", agent.endpoint_kind)
    endpoint = changes.get("endpoint", agent.endpoint)
    changes["endpoint"] = rules.agent_endpoint(kind, endpoint)
    _saved(agent, changes)
    if queues is not None:
        agent.queues.set(queues)
    return agent


def agent_create(**fields: Any) -> Agent:
    """A new agent starts signed out; signing in is `set_agent_status`."""
    with transaction.atomic():
        return _agent_saved(Agent(), fields)


def agent_update(agent: Agent, **changes: Any) -> Agent:
    with transaction.atomic():
        return _agent_saved(Agent.objects.select_for_update().get(pk=agent.pk), changes)


def agent_delete(agent: Agent) -> None:
    """Only a signed-out agent goes: one who is available may be offered a caller now."""
    _deleted_unless(
        agent,
        lambda locked: (
            locked.status != AgentStatus.OFFLINE
            and f"{locked} is {locked.get_status_display().lower()}; sign them out first."
        ),
    )


def _questions_saved(survey: Survey, questions: Iterable[dict[str, Any]]) -> None:
    """The survey's questions become `questions`, matched by position: a question
    at a kept position is edited in place, so its answers stay with it."""
    questions = list(questions)
    rules.question_positions(question["position"] for question in questions)
    current = {question.position: question for question in survey.questions.all()}
    for fields in questions:
        question = current.pop(fields["position"], None) or SurveyQuestion(survey=survey)
        try:
            _saved(question, fields)
        except ValidationError as refused:
            raise ValidationError(
                {"questions": [f"Question {fields['position']}: {m}" for m in refused.messages]}
            ) from refused
    answered = sorted(
        position for position, question in current.items() if question.responses.exists()
    )
    if answered:
        raise RuleViolation(
            f"Question {', '.join(map(str, answered))} has answers; keep it in the survey.",
            field="questions",
        )
    SurveyQuestion.objects.filter(pk__in=[question.pk for question in current.values()]).delete()


def survey_create(*, questions: Iterable[dict[str, Any]] = (), **fields: Any) -> Survey:
    with transaction.atomic():
        survey = _saved(Survey(), fields)
        _questions_saved(survey, questions)
    return survey


def survey_update(
    survey: Survey, *, questions: Iterable[dict[str, Any]] | None = None, **changes: Any
) -> Survey:
    """Changes the survey; `questions`, when given, is its whole new list."""
    with transaction.atomic():
        survey = _saved(Survey.objects.select_for_update().get(pk=survey.pk), changes)
        if questions is not None:
            _questions_saved(survey, questions)
    return survey


def survey_delete(survey: Survey) -> None:
    """A survey with answers keeps them: deleting it would delete them too."""
    _deleted_unless(
        survey,
        lambda locked: (
            locked.responses.exists() and f"{locked} has answers; deleting it would delete them."
        ),
    )
