"""Survey answers: the keys a caller pressed, checked and stored once per question."""

from __future__ import annotations

from calls.models import Call

from .. import selectors
from ..models import QuestionKind, SurveyQuestion, SurveyResponse


def parse_answer(question: SurveyQuestion, digits: str) -> tuple[str, int | None] | None:
    """The stored answer (and rating score) for the keys pressed, or None if invalid."""
    digits = (digits or "").strip().rstrip("#")
    if question.kind == QuestionKind.RATING:
        return (digits, int(digits)) if digits in {"1", "2", "3", "4", "5"} else None
    if question.kind == QuestionKind.YES_NO:
        return {"1": ("yes", None), "2": ("no", None)}.get(digits)
    if digits.isdigit() and len(digits) == question.num_digits:
        return digits, None
    return None


def record_survey_answer(
    call: Call, question: SurveyQuestion, digits: str
) -> SurveyResponse | None:
    """Store a valid answer once per call and question, against the caller's agent."""
    parsed = parse_answer(question, digits)
    if parsed is None:
        return None
    answer, score = parsed
    agent, queue = selectors.agent_who_talked_to(call)
    response, _ = SurveyResponse.objects.get_or_create(
        call=call,
        question=question,
        defaults={
            "survey_id": question.survey_id,
            "agent": agent,
            "queue": queue,
            "answer": answer,
            "score": score,
        },
    )
    return response
