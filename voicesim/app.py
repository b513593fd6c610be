"""The ASGI application: both API fronts and ``/sim/`` on one engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from voicesim import (
    api2008,
    control,
    rest_account,
    rest_call_recordings,
    rest_calls,
    rest_conference_recordings,
    rest_conferences,
    rest_members,
    rest_numbers,
    rest_participants,
    rest_queues,
    rest_recordings,
)
from voicesim.engine import Engine
from voicesim.errors import TwilioError, not_found
from voicesim.faults import Faults
from voicesim.limits import Limits
from voicesim.local_hosts import LocalHosts
from voicesim.phonebook import Phonebook

DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
DEFAULT_AUTH_TOKEN = "voicesim-auth-token"
#: the 2010-04-01 resources, one module each
RESOURCES = (
    rest_account,
    rest_calls,
    rest_call_recordings,
    rest_conferences,
    rest_conference_recordings,
    rest_participants,
    rest_queues,
    rest_members,
    rest_recordings,
    rest_numbers,
)


async def twilio_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TwilioError)
    return exc.response()


async def http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer in Twilio's error shape too."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return not_found(request.url.path).response()
    error = TwilioError(exc.status_code, 20004 if exc.status_code == 405 else 20001, exc.detail)
    return JSONResponse(error.body(), status_code=exc.status_code)


def create_app(
    account_sid: str = DEFAULT_ACCOUNT_SID,
    auth_token: str = DEFAULT_AUTH_TOKEN,
    speed: float = 1.0,
    phonebook: Phonebook | None = None,
    base_url: str = "http://127.0.0.1:8765",
    faults: Faults | None = None,
    limits: Limits | None = None,
    numbers: tuple[list[str], list[str]] = ([], []),
    local_hosts: LocalHosts | None = None,
) -> Starlette:
    engine = Engine(
        account_sid,
        auth_token,
        speed=speed,
        phonebook=phonebook,
        base_url=base_url,
        faults=faults,
        limits=limits,
        numbers=numbers,
        local_hosts=local_hosts,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await engine.shutdown()

    rest_routes = [route for module in RESOURCES for route in module.routes]
    app = Starlette(
        routes=[*rest_routes, *api2008.routes, *control.routes],
        exception_handlers={TwilioError: twilio_error, HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.engine = engine
    return app
