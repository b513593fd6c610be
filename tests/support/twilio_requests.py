"""Requests as Twilio sends them: form-encoded and signed against the public URL."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from twilio.request_validator import RequestValidator


def signature_for(path: str, params: dict[str, str], *, base_url: str | None = None) -> str:
    url = (base_url or settings.PUBLIC_BASE_URL) + path
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)


def post_as_twilio(client: Client, path: str, params: dict[str, str], **headers):
    """POST `params` to `path` with the signature Twilio would compute for it."""
    return client.post(
        path,
        params,
        headers={"X-Twilio-Signature": signature_for(path, params), **headers},
    )


def status_params(sid: str, status: str, sequence: int | None, **extra: str) -> dict[str, str]:
    """A status callback's parameters, as facts.md lists them."""
    params = {
        "CallSid": sid,
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "From": "+14155550100",
        "To": "+14155551212",
        "CallStatus": status,
        "ApiVersion": "2010-04-01",
        "Direction": "outbound-api",
        "CallbackSource": "call-progress-events",
        "Timestamp": "Tue, 31 Aug 2010 20:36:28 +0000",
        **extra,
    }
    if sequence is not None:
        params["SequenceNumber"] = str(sequence)
    return params
