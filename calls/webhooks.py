"""The views Twilio calls, under /twilio/.

Each is signature-checked against PUBLIC_BASE_URL and CSRF-exempt
(`calls.signatures.twilio_webhook`, which also answers 400 for a value out of
range or a RuleViolation), records what it was told through
`calls.services`, and answers at once: nothing here calls Twilio, which waits
at most 15 seconds and would retry or fall back.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from . import services
from .callback_params import our_call_id
from .signatures import twilio_webhook

TWIML = "text/xml; charset=utf-8"


@twilio_webhook
@require_POST
def answer(request: HttpRequest, call_id: int) -> HttpResponse:
    """The answer URL of every outbound call: machine policy, then the user's flow."""
    call = services.record_answer(call_id, request.POST)
    return HttpResponse(services.answer_document(call, request.POST), content_type=TWIML)


@twilio_webhook
@require_POST
def fallback(request: HttpRequest, call_id: int) -> HttpResponse:
    """Twilio's second try when a document of the call's flow failed."""
    document = services.record_fallback(call_id, request.POST)
    return HttpResponse(document, content_type=TWIML)


@twilio_webhook
@require_POST
def redirect_fallback(request: HttpRequest, redirect_id: int) -> HttpResponse:
    """Twilio's second try when the target of a redirect failed."""
    document = services.redirect_target_failed(redirect_id, request.POST)
    return HttpResponse(document, content_type=TWIML)


@twilio_webhook
@require_POST
def amd(request: HttpRequest, call_id: int) -> HttpResponse:
    """AsyncAmdStatusCallback: who answered, posted while the call's flow already runs."""
    services.record_machine_detection(call_id, request.POST)
    return HttpResponse(status=204)


@twilio_webhook
@require_POST
def status(request: HttpRequest) -> HttpResponse:
    """Every status callback, first legs and `<Dial>` legs alike; repeats are harmless."""
    services.record_status_event(request.POST, call_id=our_call_id(request.GET))
    return HttpResponse(status=204)
