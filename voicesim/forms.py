"""Request helpers shared by the API fronts: form bodies and Basic auth.

Form bodies are parsed by hand (``parse_qsl``) so repeated keys such as
``StatusCallbackEvent`` keep every value and no multipart package is needed.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request

from voicesim.errors import TwilioError, authenticate_error
from voicesim.local_hosts import LocalHosts
from voicesim.numbers import to_e164
from voicesim.twiml import DocumentError, is_studio_flow, parse_twiml

HTTP_METHODS = {"GET", "POST", "HEAD", "PUT", "PATCH", "DELETE"}
CALLBACK_EVENTS = frozenset({"initiated", "ringing", "answered", "completed"})
MAX_TWIML = 4000


class Form:
    """A multi-valued form: ``get`` gives the first value, ``getlist`` all of them."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def get(self, key: str, default: str | None = None) -> str | None:
        for name, value in self.pairs:
            if name == key:
                return value
        return default

    def getlist(self, key: str) -> list[str]:
        return [value for name, value in self.pairs if name == key]


async def read_form(request: Request) -> Form:
    body = (await request.body()).decode("utf-8", errors="replace")
    return Form(parse_qsl(body, keep_blank_values=True))


def query_form(request: Request) -> Form:
    return Form(parse_qsl(request.url.query, keep_blank_values=True))


def check_auth(request: Request, account_sid: str, auth_token: str) -> None:
    """Basic ``AccountSid:AuthToken``; the path's account must be that account."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise authenticate_error()
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise authenticate_error() from exc
    if not (hmac.compare_digest(user, account_sid) and hmac.compare_digest(password, auth_token)):
        raise authenticate_error()
    if request.path_params.get("account_sid") != account_sid:
        raise authenticate_error()


def valid_url(value: str) -> bool:
    parts = urlsplit(value)
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and bool(host) and "_" not in host


def bounded_int(form: Form, key: str, default: int, low: int, high: int) -> int:
    """An integer parameter from ``low`` to ``high``; ``default`` when absent."""
    raw = form.get(key)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise TwilioError(400, 20001, f"{key} must be an integer, not {raw!r}") from exc
    if not low <= value <= high:
        raise TwilioError(400, 20001, f"{key} must be between {low} and {high}, not {value}")
    return value


def check_url(value: str | None, name: str, local: LocalHosts) -> str | None:
    """21205 for anything but an absolute http(s) URL with a proper host, and for
    a host voicesim may not request (a Studio Flow aside: it is never requested)."""
    if value is None or value == "":
        return None
    if not valid_url(value):
        raise TwilioError(400, 21205, f"{name} is not a valid URL: {value}")
    if not (local.allows(value) or is_studio_flow(value)):
        raise TwilioError(
            400,
            21205,
            f"{name} is not a valid URL: {value} (voicesim requests only this machine's"
            " hosts and those given with --allow-host)",
        )
    return value


def check_method(value: str | None, name: str) -> str:
    method = (value or "POST").upper()
    if method not in HTTP_METHODS:
        raise TwilioError(400, 20001, f"{name} must be GET or POST, not {value!r}")
    return method


def parties(to: str | None, from_: str | None, names: tuple[str, str]) -> tuple[str, str]:
    """Both ends of a new call in E.164, refused with Twilio's codes when missing or wrong.

    ``names`` are the parameter names of the API front (``To``/``From`` or
    ``Called``/``Caller``) so the message speaks its language.
    """
    to_name, from_name = names
    if not to:
        raise TwilioError(400, 21201, f"No '{to_name}' number is specified")
    if not from_:
        raise TwilioError(400, 21213, f"No '{from_name}' number is specified")
    to_number = to_e164(to)
    if to_number is None:
        raise TwilioError(400, 21211, f"Invalid '{to_name}' Phone Number: {to}")
    from_number = to_e164(from_)
    if from_number is None:
        raise TwilioError(400, 21212, f"Invalid '{from_name}' Phone Number: {from_}")
    return to_number, from_number


def check_twiml(twiml: str | None) -> str | None:
    """Inline TwiML is refused at once when too long or not a ``<Response>`` document."""
    if twiml is None:
        return None
    if len(twiml) > MAX_TWIML:
        raise TwilioError(400, 20001, f"Twiml must be at most {MAX_TWIML} characters")
    try:
        parse_twiml(twiml)
    except DocumentError as exc:
        raise TwilioError(400, 12100, f"Twiml is not valid TwiML: {exc}") from exc
    return twiml


def check_events(
    values: list[str],
    allowed: frozenset[str] = CALLBACK_EVENTS,
    name: str = "StatusCallbackEvent",
    default: frozenset[str] = frozenset({"completed"}),
) -> frozenset[str]:
    """Callback event names, from repeated keys or space/comma lists.

    With none given Twilio sends only ``completed`` (for calls and recordings).
    """
    events = {event for value in values for event in value.replace(",", " ").split()}
    unknown = events - allowed
    if unknown:
        raise TwilioError(400, 20001, f"Invalid {name}: {', '.join(sorted(unknown))}")
    return frozenset(events or default)


def check_bool(form: Form, key: str) -> bool | None:
    """A ``true``/``false`` parameter (any case); ``None`` when absent."""
    raw = form.get(key)
    if raw in (None, ""):
        return None
    lowered = raw.strip().lower()
    if lowered not in ("true", "false"):
        raise TwilioError(400, 20001, f"{key} must be true or false, not {raw!r}")
    return lowered == "true"


def check_choice(form: Form, key: str, choices: tuple[str, ...], default: str) -> str:
    """A parameter from a fixed set of values, ``default`` when absent."""
    raw = form.get(key) or default
    if raw not in choices:
        raise TwilioError(400, 20001, f"{key} must be one of {', '.join(choices)}, not {raw!r}")
    return raw
