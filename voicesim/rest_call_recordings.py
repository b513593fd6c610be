"""A call's Recordings resource: start, list, fetch, update (pause with
``PauseBehavior``, resume, stop; ``Twilio.CURRENT`` names the live one), delete."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from voicesim.errors import TwilioError
from voicesim.forms import Form, check_events, check_method, check_url, query_form, read_form
from voicesim.local_hosts import LocalHosts
from voicesim.recording import RECORDING_EVENTS, Recording
from voicesim.rest_api import PREFIX, authenticated, must_exist
from voicesim.rest_recordings import (
    find_recording,
    recording_detail_of,
    recording_page,
)

CURRENT = "Twilio.CURRENT"


def form_recording_callback(
    form: Form, local: LocalHosts
) -> tuple[str | None, str, frozenset[str]]:
    """``RecordingStatusCallback`` with its method and events, as create and start take them."""
    events = check_events(
        form.getlist("RecordingStatusCallbackEvent"),
        RECORDING_EVENTS,
        "RecordingStatusCallbackEvent",
    )
    return (
        check_url(form.get("RecordingStatusCallback"), "RecordingStatusCallback", local),
        check_method(form.get("RecordingStatusCallbackMethod"), "RecordingStatusCallbackMethod"),
        events,
    )


def call_recording(request: Request) -> Recording:
    engine = authenticated(request)
    call_sid, sid = request.path_params["call_sid"], request.path_params["sid"]
    if sid == CURRENT:
        live = engine.recordings.live_for(call_sid)
        return must_exist(live[-1] if live else None, request)
    recording = find_recording(engine, request, sid)
    return must_exist(recording if recording.call_sid == call_sid else None, request)


async def recordings_of_call(request: Request) -> Response:
    engine = authenticated(request)
    call = must_exist(engine.calls.get(request.path_params["call_sid"]), request)
    if request.method == "GET":
        recordings = [r for r in engine.recordings.all.values() if r.call_sid == call.sid]
        path = f"{call.uri().removesuffix('.json')}/Recordings.json"
        return recording_page(engine, query_form(request), recordings, path, "call")
    form = await read_form(request)
    callback = form_recording_callback(form, engine.local_hosts)
    channels = form.get("RecordingChannels") or "mono"
    if channels not in ("mono", "dual"):
        raise TwilioError(400, 20001, f"RecordingChannels must be mono or dual, not {channels!r}")
    if call.status != "in-progress":
        raise TwilioError(400, 21220, f"Call {call.sid} is not in-progress: cannot record")
    recording = engine.recordings.start(
        "StartCallRecordingAPI", call, callback=callback, channels=2 if channels == "dual" else 1
    )
    return JSONResponse(recording.to_json(engine.base_url, "call"), status_code=201)


async def call_recording_detail(request: Request) -> Response:
    return await recording_detail_of(request, call_recording(request), "call")


BASE = PREFIX + "/Calls/{call_sid}/Recordings"
routes = [
    Route(BASE + ".json", recordings_of_call, methods=["GET", "POST"]),
    Route(BASE + "/{sid}.json", call_recording_detail, methods=["GET", "POST", "DELETE"]),
]
