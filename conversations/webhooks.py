"""The conference status callback Twilio posts, under /twilio/.

Signature-checked like every webhook (`calls.signatures.twilio_webhook`, 403
otherwise), stored once, answered at once.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from calls.callback_params import count
from calls.signatures import twilio_webhook

from . import services


@twilio_webhook
@require_POST
def status(request: HttpRequest) -> HttpResponse:
    """Every conference status callback; repeats and late arrivals are harmless."""
    services.conference_event_record(request.POST, conference_id=count(request.GET, "conference"))
    return HttpResponse(status=204)
