"""The URLs Twilio requests about recordings: the status callback, and the hop
after the announcement (`recordings.twiml`).

Both are signature-checked against PUBLIC_BASE_URL (`calls.signatures`) and
answer at once: nothing here calls Twilio.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from calls.models import Call, Source
from calls.signatures import twilio_webhook

from . import services, twiml
from .models import RecordingMode, RecordingPolicy

TWIML = "text/xml; charset=utf-8"


@twilio_webhook
@require_POST
def status(request: HttpRequest) -> HttpResponse:
    """RecordingStatusCallback: in-progress, completed or absent; repeats are harmless."""
    recording_id = request.GET.get("recording", "")
    services.recording_status_record(
        request.POST, recording_id=int(recording_id) if recording_id.isdigit() else None
    )
    return HttpResponse(status=204)


@twilio_webhook
@require_POST
def answered(request: HttpRequest, call_id: int, policy_id: int) -> HttpResponse:
    """The announcement has been heard: record from now on, then go on (`then`)."""
    call = get_object_or_404(Call, pk=call_id, sid=request.POST.get("CallSid", ""))
    policy = get_object_or_404(RecordingPolicy, pk=policy_id)
    then = request.GET.get("then", "")
    if not then.startswith(settings.PUBLIC_BASE_URL + "/"):
        return HttpResponseBadRequest("then: not one of our URLs")
    services.recording_policy_apply(call, policy, RecordingMode.FROM_ANSWER, origin=Source.SYSTEM)
    return HttpResponse(str(twiml.continue_document(then)), content_type=TWIML)
