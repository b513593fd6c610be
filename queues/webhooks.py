"""The TwiML flows of queues and surveys: the views Twilio requests.

Each is signature-checked against PUBLIC_BASE_URL (`calls.signatures`), decides
through `queues.services`, and answers at once with the document `queues.twiml`
builds from the service's outcome (`queues.outcomes`). Nothing here calls
Twilio, which waits at most 15 seconds for an answer.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST
from twilio.twiml.voice_response import VoiceResponse

from calls import services as call_services
from calls.models import Call
from calls.signatures import twilio_webhook
from calls.urls_public import public_url
from recordings import twiml as recording_twiml
from recordings.models import RecordingMode
from recordings.services import policy_applies

from . import selectors, services, twiml
from .models import InboundNumber, Queue, QueueEntry, Survey, SurveyQuestion
from .outcomes import CallerNext

TWIML = "text/xml; charset=utf-8"


def _answer(document: VoiceResponse) -> HttpResponse:
    return HttpResponse(str(document), content_type=TWIML)


def _call_of(request: HttpRequest) -> Call:
    """The call the request is about, recorded on first sight (an inbound call)."""
    return call_services.record_call_from_webhook(request.POST)


@twilio_webhook
@require_POST
def voice(request: HttpRequest) -> HttpResponse:
    """The voice URL of our inbound numbers: the number's queue greets and holds the caller."""
    call = _call_of(request)
    number = (
        InboundNumber.objects.select_related("queue__recording_policy")
        .filter(phone_number=request.POST.get("To", ""))
        .first()
    )
    if number is None:
        return _answer(twiml.goodbye_document(twiml.NOT_IN_SERVICE))
    outcome = services.answer_inbound(call, number.queue)
    policy = number.queue.recording_policy
    if (
        outcome.next == CallerNext.ENQUEUED
        and policy_applies(call, policy, RecordingMode.FROM_ANSWER)
        and not call.recordings.exists()
    ):
        # Announced and recorded first; the hop then brings the caller back here.
        then = public_url("queues:voice")
        return _answer(recording_twiml.announcement_document(call, policy, then))
    return _answer(twiml.caller_document(outcome))


@twilio_webhook
@require_POST
def enter(request: HttpRequest, queue_id: int) -> HttpResponse:
    """A call already under way joins a queue (a campaign contact handed to an agent):
    from here on it is a caller like any other."""
    queue = get_object_or_404(Queue, pk=queue_id)
    return _answer(twiml.caller_document(services.answer_inbound(_call_of(request), queue)))


@twilio_webhook
@require_POST
def hold_ended(request: HttpRequest, entry_id: int) -> HttpResponse:
    """The hold music's loops ran out (the document's trailing Redirect)."""
    get_object_or_404(QueueEntry, pk=entry_id, call__sid=request.POST.get("CallSid", ""))
    return _answer(twiml.caller_document(services.hold_ended(entry_id)))


@twilio_webhook
@require_POST
def dial_ended(request: HttpRequest, entry_id: int, offer: int) -> HttpResponse:
    """The Dial of an agent is over (see `services.record_dial_ended` for the survey)."""
    get_object_or_404(QueueEntry, pk=entry_id, call__sid=request.POST.get("CallSid", ""))
    outcome = services.record_dial_ended(
        entry_id,
        offer=offer,
        dial_status=request.POST.get("DialCallStatus", ""),
        dial_duration=_int_or_none(request.POST.get("DialCallDuration")),
    )
    return _answer(twiml.caller_document(outcome))


@twilio_webhook
@require_POST
def survey_start(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Where a redirect sends a caller for a survey: the introduction and first question."""
    survey = get_object_or_404(Survey, pk=survey_id)
    return _answer(twiml.survey_start_document(survey))


@twilio_webhook
@require_POST
def survey_answer(request: HttpRequest, question_id: int) -> HttpResponse:
    """The keys pressed for one question (none when the Gather timed out).

    An invalid or missing answer is asked once more, then the survey moves on
    without one.
    """
    question = get_object_or_404(SurveyQuestion.objects.select_related("survey"), pk=question_id)
    call = _call_of(request)
    attempt = _int_or_none(request.GET.get("attempt")) or 1
    response = services.record_survey_answer(call, question, request.POST.get("Digits", ""))
    if response is None and attempt < 2:
        return _answer(
            twiml.question_document(question, attempt=attempt + 1, say=twiml.NOT_UNDERSTOOD)
        )
    following = selectors.next_question(question)
    if following is None:
        return _answer(twiml.survey_end_document(question.survey))
    return _answer(twiml.question_document(following))


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
