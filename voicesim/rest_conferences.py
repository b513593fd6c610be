"""The Conferences resource: list, fetch, and update (end it, announce to it)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from voicesim.conference import Conference
from voicesim.errors import TwilioError
from voicesim.forms import check_method, check_url, query_form, read_form
from voicesim.rest_api import (
    PREFIX,
    authenticated,
    choice_filter,
    date_filter,
    must_exist,
    page,
)

STATUSES = ("init", "in-progress", "completed")


def find_conference(request: Request, key: str = "sid") -> Conference:
    return must_exist(authenticated(request).conferences.find(request.path_params[key]), request)


async def list_conferences(request: Request) -> Response:
    engine = authenticated(request)
    form = query_form(request)
    conferences = list(reversed(engine.conferences.all.values()))
    if form.get("FriendlyName"):
        conferences = [c for c in conferences if c.friendly_name == form.get("FriendlyName")]
    conferences = choice_filter(conferences, form, "Status", STATUSES, "status")
    conferences = date_filter(conferences, form, "DateCreated", "date_created")
    conferences = date_filter(conferences, form, "DateUpdated", "date_updated")
    path = f"/2010-04-01/Accounts/{engine.account_sid}/Conferences.json"
    return page(form, conferences, "conferences", path, Conference.to_json)


async def conference_detail(request: Request) -> Response:
    conference = find_conference(request)
    if request.method == "GET":
        return JSONResponse(conference.to_json())
    engine = authenticated(request)
    form = await read_form(request)
    status = form.get("Status") or None
    if status not in (None, "completed"):
        raise TwilioError(400, 20001, f"Status must be completed, not {status!r}")
    announce_url = check_url(form.get("AnnounceUrl"), "AnnounceUrl", engine.local_hosts)
    announce_method = check_method(form.get("AnnounceMethod"), "AnnounceMethod")
    if not conference.is_live and (status or announce_url):
        raise TwilioError(400, 20001, f"Conference {conference.sid} is already completed")
    if announce_url:
        engine.conferences.announce(conference, announce_url, announce_method, only=None)
    if status == "completed":
        engine.conferences.end(conference, "conference-ended-via-api")
    return JSONResponse(conference.to_json())


routes = [
    Route(PREFIX + "/Conferences.json", list_conferences, methods=["GET"]),
    Route(PREFIX + "/Conferences/{sid}.json", conference_detail, methods=["GET", "POST"]),
]
