"""Twilio webhook signature checks, against the public URL Twilio requested.

Behind a proxy or TLS terminator the inner Host and scheme differ from what
Twilio signed, so the URL is rebuilt from PUBLIC_BASE_URL plus the request's
path and query, never from the request's own Host header.
"""

from functools import wraps
from hmac import compare_digest

from django.conf import settings
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from twilio.request_validator import RequestValidator

from .callback_params import check_values
from .exceptions import RuleViolation


def public_url_of(request: HttpRequest) -> str:
    return settings.PUBLIC_BASE_URL + request.get_full_path()


def is_signed_by_twilio(request: HttpRequest) -> bool:
    """Whether Twilio signed this request.

    The signature of the URL exactly as we gave it to Twilio is checked first;
    only when it differs does `validate` try the URL with and without its
    default port (as Twilio may sign either), which costs two signatures.
    """
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    params = request.POST if request.method == "POST" else {}
    url = public_url_of(request)
    exact = validator.compute_signature(url, params)
    matches = compare_digest(exact.encode(), signature.encode())
    return matches or validator.validate(url, params, signature)


def twilio_webhook(view):
    """CSRF-exempt view that answers 403 unless Twilio signed the request, and 400
    naming the parameter when a value is out of range or a service refuses it.

    A signature proves who sent the values, not that a column can hold them:
    they are checked before the view runs, and a RuleViolation the view's
    services raise (inside their transaction, so nothing is kept) is answered
    here, for the webhooks of every app alike.
    """

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not is_signed_by_twilio(request):
            return HttpResponseForbidden("Invalid or missing X-Twilio-Signature")
        try:
            check_values(request.GET)
            check_values(request.POST)
            return view(request, *args, **kwargs)
        except RuleViolation as refused:
            return HttpResponseBadRequest(refused.message)

    return wrapped
