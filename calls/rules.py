"""The rules checked before Twilio is called.

Each check raises `RuleViolation` naming the field and saying what to fix, so
the API and the admin can show it next to the input; nothing is saved or sent.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError

import phonenumbers
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings

from .exceptions import RuleViolation
from .models import FINAL_STATUSES, Call, CallStatus, HttpMethod, IfMachine

TWIML_MAX_CHARS = 4000
TIMEOUT_RANGE = (1, 600)
TIMEOUT_RULE = (
    "Timeout is the seconds to let the phone ring: "
    f"a whole number from {TIMEOUT_RANGE[0]} to {TIMEOUT_RANGE[1]}."
)
SEND_DIGITS_MAX = 32
SEND_DIGITS = re.compile(r"^[0-9A-D*#wW]*$")
STUDIO_FLOW_URL = re.compile(
    r"^https://webhooks\.twilio\.com/v1/Accounts/AC[0-9a-fA-F]{32}/Flows/FW[0-9a-fA-F]{32}",
    re.IGNORECASE,
)
# Statuses of a call that has not been answered yet.
NOT_ANSWERED = frozenset({CallStatus.QUEUED, CallStatus.INITIATED, CallStatus.RINGING})
# phonenumbers' own messages ("(1) The string supplied did not seem to be a
# phone number.") are for programmers; these say the same to a person.
_Parse = phonenumbers.NumberParseException
WHY_NOT_A_NUMBER = {
    _Parse.INVALID_COUNTRY_CODE: "its country code is missing or unknown",
    _Parse.TOO_SHORT_AFTER_IDD: "it is too short",
    _Parse.TOO_SHORT_NSN: "it is too short",
    _Parse.TOO_LONG: "it is too long",
}


def phone_number(value: str, *, field: str) -> str:
    """E.164 form of a number written in any format (seed 002: "(415) 555-1212")."""
    text = (value or "").strip()
    if not text:
        raise RuleViolation("A phone number is required.", field=field, code="required")
    try:
        parsed = phonenumbers.parse(text, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        why = f": {WHY_NOT_A_NUMBER[exc.error_type]}" if exc.error_type in WHY_NOT_A_NUMBER else ""
        raise RuleViolation(
            f"{text!r} is not a phone number{why}. Use E.164, e.g. +14155551212.",
            field=field,
        ) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise RuleViolation(
            f"{text!r} has the wrong number of digits for a phone number. "
            "Use E.164, e.g. +14155551212.",
            field=field,
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def absolute_url(value: str, *, field: str) -> str:
    """An absolute http(s) URL Twilio can fetch; empty stays empty."""
    text = (value or "").strip()
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuleViolation(
            f"{text!r} is not an absolute http(s) URL; Twilio needs one like "
            "https://example.com/voice.",
            field=field,
        )
    return text


def http_method(value: str, *, field: str) -> str:
    method = (value or HttpMethod.POST).strip().upper()
    if method not in HttpMethod.values:
        raise RuleViolation(f"Method must be GET or POST, not {value!r}.", field=field)
    return method


def twiml_document(value: str, *, field: str = "twiml") -> str:
    """Well-formed TwiML (a <Response> root) of at most 4000 characters."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) > TWIML_MAX_CHARS:
        raise RuleViolation(
            f"TwiML is {len(text)} characters; Twilio takes at most {TWIML_MAX_CHARS}. "
            "Host longer documents at a URL instead.",
            field=field,
        )
    try:
        root = fromstring(text)
    except (ParseError, DefusedXmlException) as exc:
        raise RuleViolation(f"TwiML is not well-formed XML: {exc}.", field=field) from exc
    if root.tag != "Response":
        raise RuleViolation(
            f"TwiML must have <Response> as its root element, not <{root.tag}>.", field=field
        )
    return text


def url_xor_twiml(url: str, twiml: str) -> None:
    if url and twiml:
        raise RuleViolation("Give either a URL or TwiML, not both.", field="twiml")
    if not url and not twiml:
        raise RuleViolation("Give a URL or TwiML for the call to follow.", field="url")


def send_digits(value: str) -> str:
    text = (value or "").strip()
    if not SEND_DIGITS.match(text):
        raise RuleViolation(
            "SendDigits may only hold 0-9, A-D, *, #, w (half-second pause) and W (one second).",
            field="send_digits",
        )
    if len(text) > SEND_DIGITS_MAX:
        raise RuleViolation(
            f"SendDigits holds at most {SEND_DIGITS_MAX} keys.", field="send_digits"
        )
    return text


def ring_timeout(value: int | str | None) -> int:
    if value in (None, ""):
        return 60
    low, high = TIMEOUT_RANGE
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        seconds = None
    if seconds is None or not low <= seconds <= high:
        raise RuleViolation(TIMEOUT_RULE, field="timeout")
    return seconds


def time_limit(value: int | str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        seconds = 0
    if seconds < 1:
        raise RuleViolation(
            "TimeLimit is the most seconds the call may last: a whole number of at least 1.",
            field="time_limit",
        )
    return seconds


def if_machine(value: str) -> str:
    policy = (value or IfMachine.NONE).strip().lower()
    if policy not in IfMachine.values:
        raise RuleViolation("IfMachine must be none, continue or hangup.", field="if_machine")
    return policy


def is_studio_flow(url: str) -> bool:
    return bool(STUDIO_FLOW_URL.match(url or ""))


def call_can_change(call: Call) -> None:
    if call.status in FINAL_STATUSES:
        raise RuleViolation(
            f"The call has ended ({call.status}); an ended call cannot be redirected.",
            field="call",
            code="call_ended",
        )


def studio_flow_target(call: Call, url: str) -> None:
    """Seed 001: a Studio Flow only takes a call that has not been answered yet."""
    if is_studio_flow(url) and call.status not in NOT_ANSWERED:
        raise RuleViolation(
            f"A Studio Flow can only take a call that is still ringing; this one is "
            f"{call.status}. Start the call from the Flow instead.",
            field="url",
            code="studio_flow",
        )


def cancelable(call: Call) -> None:
    if call.status not in NOT_ANSWERED:
        raise RuleViolation(
            f"Only a queued or ringing call can be canceled; this one is {call.status}. "
            "Hang up an answered call instead.",
            field="call",
            code="not_cancelable",
        )
