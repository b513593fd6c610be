"""The URL every campaign call follows (Twilio requests it, signed)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from calls.signatures import twilio_webhook

from .models import Contact
from .twiml import answer_document


@require_http_methods(["GET", "POST"])
@twilio_webhook
def answer(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The campaign's message, or its voicemail when the core says a machine answered."""
    contact = get_object_or_404(Contact.objects.select_related("campaign"), pk=contact_id)
    params = request.POST if request.method == "POST" else request.GET
    dial_status = params.get("DialStatus") or request.GET.get("DialStatus", "")
    document = answer_document(contact.campaign, contact, dial_status)
    return HttpResponse(document, content_type="text/xml")
