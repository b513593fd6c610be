"""Check every answer the ``twilio`` client receives against Twilio's OpenAPI description.

The check sits in the client's HTTP layer, so each test that drives the
simulator through the real client also proves its successful answers conform
to ``voicesim/spec/voice_api_v2010.openapi.json``. Error answers are not in that
description; their body shape is asserted by the error tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Any

import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest
from twilio.http.response import Response

from twilio_rebase import RebasedHttpClient

SPEC = Path(__file__).resolve().parents[2] / "voicesim" / "spec" / "voice_api_v2010.openapi.json"


#: the Account resource: not in the excerpt of Twilio's description voicesim ships
UNDESCRIBED = re.compile(r"/2010-04-01/Accounts/AC[0-9a-fA-F]{32}\.json$")


def is_rfc2822(value: Any) -> bool:
    try:
        return parsedate_to_datetime(value).tzinfo is not None
    except (TypeError, ValueError):
        return False


@cache
def spec() -> OpenAPI:
    config = Config(extra_format_validators={"date-time-rfc-2822": is_rfc2822})
    return OpenAPI.from_file_path(str(SPEC), config=config)


@dataclass
class SpecResponse:
    """The answer as openapi-core's response protocol wants it."""

    status_code: int
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "application/json")


class ValidatingHttpClient(RebasedHttpClient):
    """The simulator's HTTP client that also validates 2xx answers against the spec."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self.validated = 0

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Response:
        response = super().request(method, url, params, data, *args, **kwargs)
        if 200 <= response.status_code < 300 and not UNDESCRIBED.search(url):
            sent = requests.Request(method.upper(), url, params=params, data=data)
            headers = {"Content-Type": response.headers.get("Content-Type", "")}
            answer = SpecResponse(response.status_code, response.text.encode(), headers)
            spec().validate_response(RequestsOpenAPIRequest(sent), answer)
            self.validated += 1
        return response
