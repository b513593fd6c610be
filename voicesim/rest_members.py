"""The Members resource of a queue: list, fetch (by CallSid or ``Front``), and
update = dequeue the member to a URL."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from voicesim.call_queue import Member
from voicesim.calls import Source
from voicesim.errors import TwilioError
from voicesim.forms import check_method, check_url, query_form, read_form
from voicesim.rest_api import PREFIX, authenticated, must_exist, page
from voicesim.rest_queues import find_queue


def find_member(request: Request) -> Member:
    queue = find_queue(request, "queue_sid")
    key = request.path_params["call_sid"]
    if key == "Front":
        member = queue.members[0] if queue.members else None
    else:
        member = next((m for m in queue.members if m.call.sid == key), None)
    return must_exist(member, request)


async def list_members(request: Request) -> Response:
    engine = authenticated(request)
    queue = find_queue(request, "queue_sid")
    path = f"{queue.uri()}/Members.json"
    return page(
        query_form(request), list(queue.members), "queue_members", path, engine.queues.member_json
    )


async def member_detail(request: Request) -> Response:
    engine = authenticated(request)
    member = find_member(request)
    body = engine.queues.member_json(member)
    if request.method == "GET":
        return JSONResponse(body)
    form = await read_form(request)
    url = check_url(form.get("Url"), "Url", engine.local_hosts)
    if not url:
        raise TwilioError(400, 21205, "Url parameter is required")
    member.dequeued_to = Source(url, check_method(form.get("Method"), "Method"))
    engine.queues.leave(member, "redirected")
    return JSONResponse(body)


BASE = PREFIX + "/Queues/{queue_sid}/Members"
routes = [
    Route(BASE + ".json", list_members, methods=["GET"]),
    Route(BASE + "/{call_sid}.json", member_detail, methods=["GET", "POST"]),
]
