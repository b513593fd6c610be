"""The IncomingPhoneNumbers and OutgoingCallerIds resources: list and fetch
the account's numbers (given to voicesim with ``--number`` / ``--caller-id``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from voicesim.account_numbers import AccountNumber
from voicesim.forms import query_form
from voicesim.numbers import to_e164
from voicesim.rest_api import PREFIX, authenticated, must_exist, page


def resource(
    name: str, key: str, book: Callable[[Any], dict[str, AccountNumber]], to_json: Callable
) -> list[Route]:
    """List (filters ``PhoneNumber``, ``FriendlyName``) and fetch of one kind of number."""

    async def listing(request: Request) -> Response:
        engine = authenticated(request)
        form = query_form(request)
        numbers = list(book(engine.account_numbers).values())
        wanted = form.get("PhoneNumber")
        if wanted:
            numbers = [n for n in numbers if n.phone_number == (to_e164(wanted) or wanted)]
        path = f"/2010-04-01/Accounts/{engine.account_sid}/{name}.json"
        return page(form, numbers, key, path, to_json)

    async def detail(request: Request) -> Response:
        engine = authenticated(request)
        number = book(engine.account_numbers).get(request.path_params["sid"])
        return JSONResponse(to_json(must_exist(number, request)))

    return [
        Route(f"{PREFIX}/{name}.json", listing, methods=["GET"]),
        Route(f"{PREFIX}/{name}/{{sid}}.json", detail, methods=["GET"]),
    ]


routes = [
    *resource(
        "IncomingPhoneNumbers",
        "incoming_phone_numbers",
        lambda numbers: numbers.incoming,
        AccountNumber.incoming_json,
    ),
    *resource(
        "OutgoingCallerIds",
        "outgoing_caller_ids",
        lambda numbers: numbers.caller_ids,
        AccountNumber.caller_id_json,
    ),
]
