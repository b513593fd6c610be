"""What Twilio made of a supervisor's action, waited for briefly so the message after
the click can say it.

An action is accepted at once (the rules are checked before anything is sent)
and carried out by a worker a moment later; Twilio may still refuse it then
(21220: the call ended in the meantime). Waiting a few seconds for the redirect
the action recorded lets the message say "done" or give Twilio's reason; if the
worker is slower than that, the message says the action is under way and the
board's recent actions show how it ended.

A redirect to a URL can still fail after Twilio took it: Twilio fetches the
URL next, and only a failure is reported (to the redirect's fallback). So such
a redirect counts as done only once the wait is over without one.
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser

from calls.models import Call, Redirect, RedirectState

SETTLED = (RedirectState.DONE, RedirectState.FAILED, RedirectState.SKIPPED)
POLL_SECONDS = 0.1


def settled_redirect(call: Call, user: AbstractBaseUser, since: dt.datetime) -> Redirect | None:
    """The redirect this user's action recorded on the call since `since`, once it has
    settled; None while it is under way past the wait, or when it is scheduled."""
    deadline = time.monotonic() + settings.CONSOLE_ACTION_WAIT_SECONDS
    while True:
        redirect = (
            Redirect.objects.filter(call=call, requested_by=user, created_at__gte=since)
            .order_by("-created_at")
            .first()
        )
        if redirect is None or redirect.state == RedirectState.SCHEDULED:
            return None
        out_of_time = time.monotonic() >= deadline
        if redirect.state in SETTLED and (out_of_time or not _may_still_fail(redirect)):
            return redirect
        if out_of_time:
            return None
        time.sleep(POLL_SECONDS)


def _may_still_fail(redirect: Redirect) -> bool:
    """A redirect Twilio took whose URL it may not have fetched yet."""
    return redirect.state == RedirectState.DONE and bool(redirect.url)


def refusal(redirect: Redirect) -> str | None:
    """How the redirect fell through, in the words the supervisor needs ("refused. …" by
    Twilio's API, "failed. …" when its URL could not be used); None if it happened."""
    if redirect.state == RedirectState.DONE:
        return None
    if redirect.state == RedirectState.SKIPPED:
        return "refused. The call had already ended."
    code = f"Twilio {redirect.error_code}: " if redirect.error_code else ""
    if redirect.error_url:
        return f"failed. {code}could not use {redirect.error_url}; the caller was kept."
    return f"refused. {code}{redirect.error_message or 'Twilio refused it.'}"
