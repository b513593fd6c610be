"""A conference's Recordings resource: list, fetch, update (pause, resume,
stop), delete."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voicesim.forms import query_form
from voicesim.recording import Recording
from voicesim.rest_api import PREFIX, authenticated, must_exist
from voicesim.rest_conferences import find_conference
from voicesim.rest_recordings import (
    find_recording,
    recording_detail_of,
    recording_page,
)


def conference_recording(request: Request) -> Recording:
    engine = authenticated(request)
    conference = find_conference(request, "conference_sid")
    recording = find_recording(engine, request, request.path_params["sid"])
    return must_exist(recording if recording.conference_sid == conference.sid else None, request)


async def recordings_of_conference(request: Request) -> Response:
    engine = authenticated(request)
    conference = find_conference(request, "conference_sid")
    recordings = [r for r in engine.recordings.all.values() if r.conference_sid == conference.sid]
    path = f"{conference.base_uri()}/Recordings.json"
    return recording_page(engine, query_form(request), recordings, path, "conference")


async def conference_recording_detail(request: Request) -> Response:
    return await recording_detail_of(request, conference_recording(request), "conference")


BASE = PREFIX + "/Conferences/{conference_sid}/Recordings"
routes = [
    Route(BASE + ".json", recordings_of_conference, methods=["GET"]),
    Route(BASE + "/{sid}.json", conference_recording_detail, methods=["GET", "POST", "DELETE"]),
]
