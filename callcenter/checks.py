"""Deployment checks (`manage.py check --deploy`): a production site must not run
on a value published in this repository, nor hand Twilio a plain-http address.

Each is an error, not a warning: with the embedded secret key anyone can forge
sessions, and with voicesim's token anyone can sign webhooks that Twilio never
sent.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

from .defaults import EMBEDDED_SECRET_KEY, VOICESIM_AUTH_TOKEN

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def telephony_is_voicesim() -> bool:
    """voicesim runs beside the back office; any other host is a real telephony API."""
    return urlsplit(settings.TWILIO_API_BASE_URL).hostname in LOOPBACK_HOSTS


@register(Tags.security, deploy=True)
def check_published_defaults(app_configs, **kwargs) -> list[Error]:
    errors = []
    if settings.SECRET_KEY == EMBEDDED_SECRET_KEY:
        errors.append(
            Error(
                "DJANGO_SECRET_KEY is the embedded default published in this repository.",
                hint="Set DJANGO_SECRET_KEY to a long random value, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
                id="callcenter.E001",
            )
        )
    if settings.TWILIO_AUTH_TOKEN == VOICESIM_AUTH_TOKEN and not telephony_is_voicesim():
        errors.append(
            Error(
                f"TWILIO_AUTH_TOKEN is voicesim's published token while TWILIO_API_BASE_URL "
                f"is {settings.TWILIO_API_BASE_URL}: anyone could sign webhooks.",
                hint="Set TWILIO_AUTH_TOKEN to your Twilio account's auth token.",
                id="callcenter.E002",
            )
        )
    if not settings.DEBUG and urlsplit(settings.PUBLIC_BASE_URL).scheme != "https":
        errors.append(
            Error(
                f"PUBLIC_BASE_URL is {settings.PUBLIC_BASE_URL}, not https: Twilio would send "
                "webhooks, and their signatures, in the clear.",
                hint="Serve the site over HTTPS and set PUBLIC_BASE_URL to its https:// address.",
                id="callcenter.E003",
            )
        )
    return errors
