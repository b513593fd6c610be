"""The views Twilio calls, under /twilio/.

Each is signature-checked against PUBLIC_BASE_URL and CSRF-exempt
(`calls.signatures.twilio_webhook`), records what it was told through
`calls.services`, and answers at once: nothing here calls Twilio, which waits
at most 15 seconds and would retry or fall back.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_POST

from . import services, twiml
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
    return HttpResponse(twiml.hand_over(call), content_type=TWIML)


@twilio_webhook
@require_POST
def fallback(request: HttpRequest, call_id: int) -> HttpResponse:
    """Twilio's second try when the answer URL failed."""
    try:
        call = services.record_fallback(call_id, request.POST)
    except RuleViolation as refused:
        return HttpResponseBadRequest(refused.message)
    return HttpResponse(twiml.fall_back(call), content_type=TWIML)


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
