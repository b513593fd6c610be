"""The Queues resource: create, list, fetch, update (name, size), delete."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from voicesim.call_queue import DEFAULT_MAX_SIZE, LARGEST_MAX_SIZE, CallQueue
from voicesim.errors import TwilioError
from voicesim.forms import Form, bounded_int, query_form, read_form
from voicesim.rest_api import PREFIX, authenticated, must_exist, page

MAX_NAME = 64


def queue_name(form: Form, required: bool) -> str | None:
    name = form.get("FriendlyName")
    if not name:
        if required:
            raise TwilioError(400, 20001, "FriendlyName is required")
        return None
    if len(name) > MAX_NAME:
        raise TwilioError(400, 20001, f"FriendlyName must be at most {MAX_NAME} characters")
    return name


def find_queue(request: Request, key: str = "sid") -> CallQueue:
    return must_exist(authenticated(request).queues.find(request.path_params[key]), request)


async def queue_list(request: Request) -> Response:
    engine = authenticated(request)
    if request.method == "GET":
        form = query_form(request)
        queues = list(reversed(engine.queues.all.values()))
        path = f"/2010-04-01/Accounts/{engine.account_sid}/Queues.json"
        return page(form, queues, "queues", path, engine.queues.to_json)
    form = await read_form(request)
    name = queue_name(form, required=True)
    max_size = bounded_int(form, "MaxSize", DEFAULT_MAX_SIZE, 1, LARGEST_MAX_SIZE)
    if engine.queues.named(name) is not None:
        raise TwilioError(400, 22003, f"A queue named {name!r} already exists")
    queue = engine.queues.create(name, max_size)
    return JSONResponse(engine.queues.to_json(queue), status_code=201)


async def queue_detail(request: Request) -> Response:
    engine = authenticated(request)
    queue = find_queue(request)
    if request.method == "DELETE":
        if queue.members:
            raise TwilioError(400, 20001, f"Queue {queue.sid} has members: dequeue them first")
        engine.queues.all.pop(queue.sid, None)
        return Response(status_code=204)
    if request.method == "POST":
        form = await read_form(request)
        name = queue_name(form, required=False)
        max_size = bounded_int(form, "MaxSize", queue.max_size, 1, LARGEST_MAX_SIZE)
        queue.friendly_name = name or queue.friendly_name
        queue.max_size = max_size
        queue.touch()
    return JSONResponse(engine.queues.to_json(queue))


routes = [
    Route(PREFIX + "/Queues.json", queue_list, methods=["GET", "POST"]),
    Route(PREFIX + "/Queues/{sid}.json", queue_detail, methods=["GET", "POST", "DELETE"]),
]
