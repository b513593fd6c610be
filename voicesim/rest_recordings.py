"""The account's Recordings resource: list, fetch, delete, and the media.

The media answers at the recording's URL with or without ``.wav`` (a real
WAV, see ``wav``); ``.mp3`` is refused with 415 because the simulator has no
MP3 encoder (Twilio would transcode). Media is served without auth, as
Twilio's is unless the account enforces it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from voicesim.engine import Engine
from voicesim.errors import TwilioError
from voicesim.forms import Form, check_choice, query_form, read_form
from voicesim.recording import Recording
from voicesim.rest_api import PREFIX, authenticated, date_filter, engine_of, must_exist, page

UPDATE_STATUSES = ("in-progress", "paused", "stopped")
PAUSE_BEHAVIORS = ("skip", "silence")


def recording_page(
    engine: Engine, form: Form, recordings: list[Recording], path: str, scope: str
) -> Response:
    """One page of recordings, newest first, with the ``DateCreated`` filters."""
    recordings = [r for r in reversed(recordings) if not r.deleted]
    recordings = date_filter(recordings, form, "DateCreated", "date_created")
    return page(form, recordings, "recordings", path, lambda r: r.to_json(engine.base_url, scope))


def find_recording(engine: Engine, request: Request, sid: str) -> Recording:
    recording = engine.recordings.all.get(sid)
    return must_exist(None if recording is None or recording.deleted else recording, request)


async def update_recording(engine: Engine, recording: Recording, form: Form) -> None:
    """Pause (``PauseBehavior`` skip or silence), resume or stop a live recording."""
    status = form.get("Status")
    if not status:
        raise TwilioError(400, 20001, "Status is required")
    status = check_choice(form, "Status", UPDATE_STATUSES, "stopped")
    behavior = check_choice(form, "PauseBehavior", PAUSE_BEHAVIORS, "silence")
    if not recording.is_live:
        raise TwilioError(400, 21220, f"Recording {recording.sid} is not in progress")
    if status == "paused":
        engine.recordings.pause(recording, "silence" if behavior == "silence" else "skip")
    elif status == "in-progress":
        engine.recordings.resume(recording)
    else:
        engine.recordings.stop(recording)


def delete_recording(recording: Recording) -> Response:
    if recording.is_live:
        raise TwilioError(400, 20001, f"Recording {recording.sid} is in progress: stop it first")
    recording.deleted = True
    recording.status = "deleted"
    return Response(status_code=204)


async def recording_detail_of(request: Request, recording: Recording, scope: str) -> Response:
    """Fetch, update (pause, resume, stop) or delete a call's or a conference's recording."""
    engine = engine_of(request)
    if request.method == "DELETE":
        return delete_recording(recording)
    if request.method == "POST":
        await update_recording(engine, recording, await read_form(request))
    return JSONResponse(recording.to_json(engine.base_url, scope))


async def list_recordings(request: Request) -> Response:
    engine = authenticated(request)
    form = query_form(request)
    recordings = list(engine.recordings.all.values())
    for key, attr in (("CallSid", "call_sid"), ("ConferenceSid", "conference_sid")):
        if form.get(key):
            recordings = [r for r in recordings if getattr(r, attr) == form.get(key)]
    path = f"/2010-04-01/Accounts/{engine.account_sid}/Recordings.json"
    return recording_page(engine, form, recordings, path, "account")


async def recording_detail(request: Request) -> Response:
    engine = authenticated(request)
    recording = find_recording(engine, request, request.path_params["sid"])
    if request.method == "DELETE":
        return delete_recording(recording)
    return JSONResponse(recording.to_json(engine.base_url))


async def media(request: Request) -> Response:
    engine = engine_of(request)
    name = request.path_params["name"]
    sid, _, extension = name.partition(".")
    if extension not in ("", "wav", "mp3"):
        raise TwilioError(404, 20404, f"The requested resource {request.url.path} was not found")
    recording = find_recording(engine, request, sid)
    if extension == "mp3":
        raise TwilioError(415, 20001, "voicesim serves recordings as WAV only: ask for .wav")
    if recording.is_live:
        raise TwilioError(404, 20404, f"Recording {sid} is still in progress")
    return Response(recording.media(), media_type="audio/x-wav")


routes = [
    Route(PREFIX + "/Recordings.json", list_recordings, methods=["GET"]),
    Route(PREFIX + "/Recordings/{sid}.json", recording_detail, methods=["GET", "DELETE"]),
    Route(PREFIX + "/Recordings/{name}", media, methods=["GET"]),
]
