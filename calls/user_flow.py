"""The user's own TwiML URLs, requested as Twilio requests them.

A URL reached with `<Redirect>` hears nothing but Twilio's standard
parameters, yet the 2008 API handed the answer URL its `DialStatus` (seed
002) "appended to the URL for a GET request, or added to the POST fields",
and a fallback URL is owed Twilio's `ErrorCode` and `ErrorUrl`. So the
product's own webhooks fetch the user's document themselves: Twilio's
parameters plus those, form-encoded for POST or in the query for GET, signed
with the account's auth token so the user's server validates them as
Twilio's. The document goes back to Twilio with its relative URLs made
absolute against the user's URL, where Twilio would have resolved them.
"""

from __future__ import annotations

import contextlib
import re
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit
from xml.etree.ElementTree import Element, ParseError, tostring

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from twilio.request_validator import RequestValidator

# Connect and read timeouts: our own answer must reach Twilio within its 15 s.
USER_URL_TIMEOUT = (5.0, 9.0)
HTTP_RETRIEVAL_FAILURE = 11200
TWIML_PARSE_FAILURE = 12100
# TwiML attributes that name a URL: action, url, waitUrl, statusCallback, …
URL_ATTRIBUTE = re.compile(r"(action|url|callback)$", re.IGNORECASE)
# Verbs whose text is a URL.
URL_TEXT_VERBS = frozenset({"Redirect", "Play"})


class FlowUnavailable(Exception):
    """The user's URL could not be fetched (11200) or gave no TwiML (12100)."""

    def __init__(self, code: int, url: str, detail: str):
        super().__init__(f"{url}: {detail}")
        self.code = code
        self.url = url
        self.detail = detail


def fetch_document(url: str, method: str, params: dict[str, str]) -> str:
    """The TwiML document at `url`, its URLs absolute. Raises FlowUnavailable."""
    response = request(url, method, params)
    if response.status_code >= 400:
        raise FlowUnavailable(HTTP_RETRIEVAL_FAILURE, url, f"HTTP {response.status_code}")
    try:
        root = fromstring(response.content)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise FlowUnavailable(TWIML_PARSE_FAILURE, url, f"not XML: {exc}") from exc
    if root.tag != "Response":
        raise FlowUnavailable(TWIML_PARSE_FAILURE, url, f"<{root.tag}> is not <Response>")
    return tostring(_absolute(root, url), encoding="unicode")


def notify(url: str, method: str, params: dict[str, str]) -> None:
    """Request `url` for its side effect alone: its answer, or failure, does not matter."""
    with contextlib.suppress(FlowUnavailable):
        request(url, method, params)


def single_values(params) -> dict[str, str]:
    """A webhook's parameters (a QueryDict or a stored dict) as one value per name."""
    return params.dict() if hasattr(params, "dict") else dict(params)


def request(url: str, method: str, params: dict[str, str]) -> requests.Response:
    """One signed request, parameters where Twilio puts them. Raises FlowUnavailable."""
    data: dict[str, str] | None = params
    if method == "GET":
        url, data = _with_query(url, params), None
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, data or {})
    try:
        return requests.request(
            method,
            url,
            data=data,
            headers={"X-Twilio-Signature": signature},
            timeout=USER_URL_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise FlowUnavailable(HTTP_RETRIEVAL_FAILURE, url, str(exc)) from exc


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    extra = urlencode(params)
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def _absolute(root: Element, base: str) -> Element:
    for element in root.iter():
        for name, value in element.attrib.items():
            if URL_ATTRIBUTE.search(name):
                element.set(name, urljoin(base, value.strip()))
        if element.tag in URL_TEXT_VERBS and (element.text or "").strip():
            element.text = urljoin(base, element.text.strip())
    return root
