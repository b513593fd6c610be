"""The views Twilio calls, under /twilio/.

Each is signature-checked against PUBLIC_BASE_URL and CSRF-exempt
(`calls.signatures.twilio_webhook`), records what it was told through
`calls.services`, and answers at once: nothing here calls Twilio, which waits
at most 15 seconds and would retry or fall back.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_POST

from . import services
from .exceptions import RuleViolation
from .signatures import twilio_webhook

TWIML = "text/xml; charset=utf-8"


@twilio_webhook
@require_POST
def answer(request: HttpRequest, call_id: int) -> HttpResponse:
    """The answer URL of every outbound call: machine policy, then the user's flow."""
    try:
        call = services.record_answer(call_id, request.POST)
    except RuleViolation as refused:
        return HttpResponseBadRequest(refused.message)
    return HttpResponse(services.answer_document(call, request.POST), content_type=TWIML)


@twilio_webhook
@require_POST
def fallback(request: HttpRequest, call_id: int) -> HttpResponse:
    """Twilio's second try when a document of the call's flow failed."""
    return _document(services.record_fallback, call_id, request.POST)


@twilio_webhook
@require_POST
def redirect_fallback(request: HttpRequest, redirect_id: int) -> HttpResponse:
    """Twilio's second try when the target of a redirect failed."""
    return _document(services.redirect_target_failed, redirect_id, request.POST)


def _document(service, *args) -> HttpResponse:
    """The TwiML the service answers with, or 400 with its refusal."""
    try:
        document = service(*args)
    except RuleViolation as refused:
        return HttpResponseBadRequest(refused.message)
    return HttpResponse(document, content_type=TWIML)


@twilio_webhook
@require_POST
def amd(request: HttpRequest, call_id: int) -> HttpResponse:
    """AsyncAmdStatusCallback: who answered, posted while the call's flow already runs."""
    try:
        services.record_machine_detection(call_id, request.POST)
    except RuleViolation as refused:
        return HttpResponseBadRequest(refused.message)
    return HttpResponse(status=204)


@twilio_webhook
@require_POST
def status(request: HttpRequest) -> HttpResponse:
    """Every status callback, first legs and `<Dial>` legs alike; repeats are harmless."""
    call_id = request.GET.get("call", "")
    try:
        services.record_status_event(
            request.POST, call_id=int(call_id) if call_id.isdigit() else None
        )
    except RuleViolation as refused:
        return HttpResponseBadRequest(refused.message)
    return HttpResponse(status=204)
