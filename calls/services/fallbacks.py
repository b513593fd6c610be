"""When a document of a call's flow cannot be used: record it, and keep the caller.

Every call the product places and every redirect it sends carry a FallbackUrl
of the product's own. Twilio requests it with `ErrorCode` and `ErrorUrl` when
a document could not be fetched (11200) or was not TwiML (12100); the answer
URL finds the same when it fetches the user's first document itself. The
error is kept on the call (and on the redirect whose target failed), the
user's own fallback URL gets one chance, and otherwise the caller hears an
apology: the call is never sent back to a URL that failed, so it cannot
bounce between that URL and the fallback.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .. import twiml
from ..exceptions import RuleViolation
from ..models import Call, Redirect, RedirectState
from ..signals import redirect_failed
from ..user_flow import HTTP_RETRIEVAL_FAILURE, FlowUnavailable, fetch_document, single_values
from .common import locked_call

REPORTED_BY_TWILIO = "Twilio could not use the document"


def reported_failure(params) -> FlowUnavailable:
    """The failure a fallback request reports (`ErrorCode`, `ErrorUrl`)."""
    code = params.get("ErrorCode", "")
    return FlowUnavailable(
        int(code) if code.isdigit() else HTTP_RETRIEVAL_FAILURE,
        params.get("ErrorUrl", ""),
        REPORTED_BY_TWILIO,
    )


def call_flow_failed(call: Call, failure: FlowUnavailable, params) -> str:
    """The document for a placed call whose flow failed: the user's fallback, once, or
    an apology and the end of the call."""
    first = _record_call_error(call.pk, failure)
    if first:
        document = _users_fallback(call.fallback_url, call.fallback_method, failure, params)
        if document is not None:
            return document
    return str(twiml.apology_and_goodbye())


def redirect_target_failed(redirect_id: int, params) -> str:
    """Our FallbackUrl of a redirect: record the failure, then what the caller hears.

    The user's own fallback URL wins when the redirect has one; else a listener
    of `redirect_failed` (the queues put a waiting caller back on hold), else an
    apology that keeps the line open for the supervisor's next move.
    """
    failure = reported_failure(params)
    redirect = _record_redirect_error(redirect_id, failure)
    _record_call_error(redirect.call_id, failure)
    document = _users_fallback(redirect.fallback_url, redirect.fallback_method, failure, params)
    if document is not None:
        return document
    for _receiver, answer in redirect_failed.send(sender=Redirect, redirect=redirect):
        if answer:
            return answer
    return str(twiml.apology_and_hold())


def _users_fallback(url: str, method: str, failure: FlowUnavailable, params) -> str | None:
    """The user's fallback document, fetched with ErrorCode and ErrorUrl as Twilio
    sends them; None without one, when it is the URL that failed, or when it fails too."""
    if not url or _same_resource(url, failure.url):
        return None
    extra = {"ErrorCode": str(failure.code), "ErrorUrl": failure.url}
    try:
        return fetch_document(url, method, {**single_values(params), **extra})
    except FlowUnavailable:
        return None


def _same_resource(first: str, second: str) -> bool:
    return first.split("?", 1)[0] == second.split("?", 1)[0]


def _record_call_error(call_id: int, failure: FlowUnavailable) -> bool:
    """Keep the failure on the call; whether it is the call's first (its fallback's chance)."""
    with transaction.atomic():
        call = locked_call(call_id)
        first = not call.error_url
        call.error_code = str(failure.code)
        call.error_url = failure.url[:1000]
        call.error_message = str(failure)[:500]
        call.save(update_fields=["error_code", "error_url", "error_message", "updated_at"])
    return first


def _record_redirect_error(redirect_id: int, failure: FlowUnavailable) -> Redirect:
    """A redirect whose own target failed is `failed`, whatever Twilio answered to the update."""
    with transaction.atomic():
        redirect = Redirect.objects.select_for_update().filter(pk=redirect_id).first()
        if redirect is None:
            raise RuleViolation(f"No redirect {redirect_id}.", field="redirect_id")
        if not _same_resource(redirect.url, failure.url):
            return redirect  # a later document of its flow failed; the call keeps that
        redirect.state = RedirectState.FAILED
        redirect.error_code = failure.code
        redirect.error_url = failure.url[:1000]
        redirect.error_message = str(failure)[:500]
        redirect.finished_at = timezone.now()
        redirect.save(
            update_fields=["state", "error_code", "error_url", "error_message", "finished_at"]
        )
    return redirect
