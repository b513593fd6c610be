"""`manage.py check --deploy` refuses a production site that runs on a value
published in this repository or hands Twilio a plain-http address."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from callcenter.defaults import EMBEDDED_SECRET_KEY, VOICESIM_AUTH_TOKEN

# The README's production exports.
PRODUCTION = {
    "DEBUG": False,
    "SECRET_KEY": "k3v9-Yq0w_f8r2Lm6pZt1xNc4bHs7dGj5aUe0iOyRqWvXzTgBnMkJhPlFdSaQwErTy",
    "ALLOWED_HOSTS": ["backoffice.example.com"],
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "PUBLIC_BASE_URL": "https://backoffice.example.com",
    "TWILIO_API_BASE_URL": "https://api.twilio.com",
    "TWILIO_AUTH_TOKEN": "0f3c2a9b8d7e6f5a4b3c2d1e0f9a8b7c",
}


def deploy_check_errors(settings, **changes) -> str:
    """The errors `check --deploy` prints for the README's production settings
    with `changes`; empty when it passes."""
    for name, value in {**PRODUCTION, **changes}.items():
        setattr(settings, name, value)
    try:
        call_command("check", deploy=True)
    except SystemCheckError as failure:
        return str(failure)
    return ""


def test_the_readme_production_settings_pass(settings):
    assert deploy_check_errors(settings) == ""


def test_the_published_secret_key_fails_the_deploy_check(settings):
    errors = deploy_check_errors(settings, SECRET_KEY=EMBEDDED_SECRET_KEY)

    assert "callcenter.E001" in errors
    assert "DJANGO_SECRET_KEY is the embedded default" in errors


def test_voicesims_token_against_real_twilio_fails_the_deploy_check(settings):
    errors = deploy_check_errors(settings, TWILIO_AUTH_TOKEN=VOICESIM_AUTH_TOKEN)

    assert "callcenter.E002" in errors
    assert "https://api.twilio.com" in errors


def test_voicesims_token_against_voicesim_passes(settings):
    errors = deploy_check_errors(
        settings,
        TWILIO_AUTH_TOKEN=VOICESIM_AUTH_TOKEN,
        TWILIO_API_BASE_URL="http://127.0.0.1:8765",
    )

    assert errors == ""


@pytest.mark.parametrize("debug, fails", [(False, True), (True, False)])
def test_a_plain_http_public_address_fails_the_deploy_check_outside_debug(settings, debug, fails):
    errors = deploy_check_errors(
        settings, DEBUG=debug, PUBLIC_BASE_URL="http://backoffice.example.com"
    )

    assert ("callcenter.E003" in errors) is fails
