"""Absolute URLs under PUBLIC_BASE_URL, for everything handed to Twilio.

Twilio signs the exact URL it requests, and `calls.signatures` rebuilds it from
the same base, so both sides must agree on one public address.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse


def public_url(path_or_viewname: str, *, query: dict | None = None, **kwargs) -> str:
    """`public_url("calls:answer", call_id=3)` or `public_url("/twilio/status")`."""
    path = (
        path_or_viewname
        if path_or_viewname.startswith("/")
        else reverse(path_or_viewname, kwargs=kwargs or None)
    )
    suffix = f"?{urlencode(query)}" if query else ""
    return f"{settings.PUBLIC_BASE_URL}{path}{suffix}"
