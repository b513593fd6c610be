"""The Account resource: fetching one's own account is the usual credentials check."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from voicesim.clock import rfc2822
from voicesim.rest_api import PREFIX, authenticated

#: the account's resources voicesim answers (others answer 404, as unknown paths do)
SIMULATED = ("calls", "conferences", "queues", "recordings")


async def account(request: Request) -> Response:
    engine = authenticated(request)
    base = f"/2010-04-01/Accounts/{engine.account_sid}"
    return JSONResponse(
        {
            "auth_token": engine.auth_token,
            "date_created": rfc2822(engine.started),
            "date_updated": rfc2822(engine.started),
            "friendly_name": "voicesim",
            "owner_account_sid": engine.account_sid,
            "sid": engine.account_sid,
            "status": "active",
            "subresource_uris": {name: f"{base}/{name.capitalize()}.json" for name in SIMULATED},
            "type": "Full",
            "uri": base + ".json",
        }
    )


routes = [Route(PREFIX + ".json", account, methods=["GET"])]
