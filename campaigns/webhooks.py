"""The URL every campaign call follows (Twilio requests it, signed)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from calls.models import Call, Outcome
from calls.signatures import twilio_webhook
from calls.urls_public import public_url
from recordings.models import RecordingMode
from recordings.services import policy_applies
from recordings.twiml import announcement_document

from .models import Contact
from .twiml import answer_document


@require_http_methods(["GET", "POST"])
@twilio_webhook
def answer(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The campaign's message, or its voicemail when the core says a machine answered."""
    contact = get_object_or_404(
        Contact.objects.select_related("campaign__recording_policy"), pk=contact_id
    )
    params = request.POST if request.method == "POST" else request.GET
    dial_status = params.get("DialStatus") or request.GET.get("DialStatus", "")
    call = Call.objects.filter(sid=params.get("CallSid", "")).first()
    policy = contact.campaign.recording_policy
    if (
        call is not None
        and dial_status != Outcome.ANSWERED_MACHINE
        and policy_applies(call, policy, RecordingMode.FROM_ANSWER)
        and not call.recordings.exists()
    ):
        # Announced and recorded first; the hop then brings the callee back here.
        then = public_url(
            "campaigns:answer", contact_id=contact.pk, query={"DialStatus": dial_status}
        )
        return HttpResponse(str(announcement_document(call, policy, then)), content_type="text/xml")
    document = answer_document(contact.campaign, contact, dial_status)
    return HttpResponse(document, content_type="text/xml")
