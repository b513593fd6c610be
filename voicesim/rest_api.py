"""The 2010-04-01 REST API: what every resource shares.

Each resource lives in a module of its own beside this one (``rest_calls``…;
``RESOURCES`` in ``app`` lists them); here are the pieces they share: the
authenticated engine, list paging in Twilio's page shape, and date filters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse

from voicesim.engine import Engine
from voicesim.errors import TwilioError, not_found
from voicesim.forms import Form, bounded_int, check_auth

PREFIX = "/2010-04-01/Accounts/{account_sid}"
MAX_PAGE_SIZE = 1000
Item = TypeVar("Item")


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def authenticated(request: Request) -> Engine:
    """The engine, once the request's Basic auth names its account."""
    engine = engine_of(request)
    check_auth(request, engine.account_sid, engine.auth_token)
    if engine.faults.strikes(engine.faults.api_5xx):
        raise TwilioError(500, 20500, "Internal Server Error (injected fault api_5xx)")
    return engine


def must_exist(item: Item | None, request: Request) -> Item:
    """``item``, or Twilio's 404 for the requested path."""
    if item is None:
        raise not_found(request.url.path)
    return item


def choice_filter(
    items: list[Item], form: Form, key: str, choices: Sequence[str], attr: str
) -> list[Item]:
    """Keep the items whose ``attr`` is ``form[key]``; a value outside ``choices`` is a 400."""
    wanted = form.get(key)
    if not wanted:
        return items
    if wanted not in choices:
        raise TwilioError(400, 20001, f"{key} must be one of {', '.join(choices)}, not {wanted!r}")
    return [item for item in items if getattr(item, attr) == wanted]


def parse_date(value: str) -> datetime:
    for parser in (
        lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")),
        parsedate_to_datetime,
    ):
        try:
            moment = parser(value)
        except (ValueError, TypeError):
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise TwilioError(400, 20001, f"Invalid date: {value}")


def date_filter(items: list[Item], form: Form, key: str, attr: str) -> list[Item]:
    """``StartTime``… filters: the day (Twilio reads the date of the value), ``<``, ``>``."""
    exact, before, after = form.get(key), form.get(f"{key}<"), form.get(f"{key}>")
    if exact:
        day = parse_date(exact).date()
        items = [i for i in items if getattr(i, attr) and getattr(i, attr).date() == day]
    if before:
        limit = parse_date(before)
        items = [i for i in items if getattr(i, attr) and getattr(i, attr) <= limit]
    if after:
        limit = parse_date(after)
        items = [i for i in items if getattr(i, attr) and getattr(i, attr) >= limit]
    return items


def page(
    form: Form,
    items: Sequence[Item],
    key: str,
    path: str,
    to_json: Callable[[Item], dict[str, Any]],
) -> JSONResponse:
    """One page of ``items`` under ``key``, with Twilio's paging fields.

    As in Twilio's examples the next page is anchored on the last SID shown
    (``PageToken=PA<sid>``), so items arriving meanwhile do not shift it; a
    token that names no listed item falls back to ``Page`` times ``PageSize``.
    """
    page_size = bounded_int(form, "PageSize", 50, 1, MAX_PAGE_SIZE)
    number = bounded_int(form, "Page", 0, 0, 10**9)
    sids = [_sid(to_json(item)) for item in items] if form.get("PageToken") else []
    anchor = (form.get("PageToken") or "").removeprefix("PA")
    start = sids.index(anchor) + 1 if anchor in sids else number * page_size
    chunk = items[start : start + page_size]
    shown = [to_json(item) for item in chunk]
    filters = [(k, v) for k, v in form.pairs if k not in ("PageSize", "Page", "PageToken")]

    def page_uri(n: int, token: str | None = None) -> str:
        params = [*filters, ("PageSize", str(page_size)), ("Page", str(n))]
        if token:
            params.append(("PageToken", f"PA{token}"))
        return f"{path}?{urlencode(params)}"

    has_next = start + page_size < len(items)
    body = {
        key: shown,
        "end": start + max(len(chunk), 1) - 1,
        "first_page_uri": page_uri(0),
        "next_page_uri": page_uri(number + 1, _sid(shown[-1])) if has_next else None,
        "page": number,
        "page_size": page_size,
        "previous_page_uri": page_uri(number - 1) if number > 0 else None,
        "start": start,
        "uri": page_uri(number, form.get("PageToken", "").removeprefix("PA") or None),
    }
    return JSONResponse(body)


def _sid(resource: dict[str, Any]) -> str:
    """What identifies an item in a page token: its SID, a member's or participant's call."""
    return str(resource.get("sid") or resource.get("call_sid") or "")
