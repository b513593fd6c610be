"""``/sim/``: inspect and steer the simulation (no auth: it is a local test tool).

Tests and demos use it to read transcripts, press keys and hang up as the far
end, change what a number does, and place inbound calls; benchmarks read the
create times of calls from ``/sim/calls``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from voicesim.calls import Call
from voicesim.engine import Engine
from voicesim.errors import TwilioError, not_found
from voicesim.faults import Faults
from voicesim.forms import check_events, check_method, check_twiml, check_url, read_form
from voicesim.limits import Limits
from voicesim.numbers import to_e164
from voicesim.phonebook import Behaviour


def _engine(request: Request) -> Engine:
    return request.app.state.engine


async def _body(request: Request) -> dict[str, Any]:
    if "json" in request.headers.get("content-type", ""):
        raw = await request.body()
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise TwilioError(400, 20001, f"invalid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise TwilioError(400, 20001, "a JSON object is expected")
        return data
    form = await read_form(request)
    data: dict[str, Any] = {}
    for key, value in form.pairs:
        data.setdefault(key, value)
    return data


def _call(request: Request) -> Call:
    call = _engine(request).calls.get(request.path_params["sid"])
    if call is None:
        raise not_found(request.url.path)
    return call


async def health(request: Request) -> Response:
    """The trivial endpoint benchmarks use as their baseline."""
    return JSONResponse({"ok": True})


async def list_calls(request: Request) -> Response:
    engine = _engine(request)
    status = request.query_params.get("status")
    calls = [c.sim_info() for c in engine.calls.values() if not status or c.status == status]
    return JSONResponse({"calls": calls, "live": engine.live_count(), "speed": engine.clock.speed})


async def stats(request: Request) -> Response:
    engine = _engine(request)
    counts: dict[str, int] = {}
    for call in engine.calls.values():
        counts[call.status] = counts.get(call.status, 0) + 1
    return JSONResponse(
        {"total": len(engine.calls), "live": engine.live_count(), "by_status": counts}
    )


async def get_call(request: Request) -> Response:
    call = _call(request)
    return JSONResponse({**call.sim_info(), "resource": call.to_json()})


async def transcript(request: Request) -> Response:
    call = _call(request)
    return JSONResponse(
        {"sid": call.sid, "status": call.status, "entries": call.transcript.entries}
    )


async def digits(request: Request) -> Response:
    call = _call(request)
    data = await _body(request)
    keys = str(data.get("digits") or data.get("Digits") or "")
    if not keys:
        raise TwilioError(400, 20001, "digits is required")
    if not call.is_live:
        raise TwilioError(400, 21220, "Call is not in-progress.")
    listening = call.gather_active
    _engine(request).life.press(call, keys, who="sim API")
    return JSONResponse({"sid": call.sid, "digits": keys, "heard": listening})


async def say(request: Request) -> Response:
    """The far end of the call says something; who heard it depends on where it is."""
    call = _call(request)
    data = await _body(request)
    text = str(data.get("text") or data.get("Text") or "").strip()
    if not text:
        raise TwilioError(400, 20001, "text is required")
    if not call.is_live:
        raise TwilioError(400, 21220, "Call is not in-progress.")
    heard_by = _engine(request).speak(call, text)
    return JSONResponse({"sid": call.sid, "text": text, "heard_by": heard_by})


async def conference(request: Request) -> Response:
    """A conference, its participants and its event log."""
    found = _engine(request).conferences.find(request.path_params["sid"])
    if found is None:
        raise not_found(request.url.path)
    participants = [p.to_json() for p in found.participants.values()]
    body = {**found.to_json(), "participants": participants, "entries": found.transcript.entries}
    return JSONResponse(body)


async def clock(request: Request) -> Response:
    """Simulated seconds since start: tests wait for simulated time by it, not by sleeping."""
    engine = _engine(request)
    return JSONResponse({"now": engine.clock.now(), "speed": engine.clock.speed})


async def recording(request: Request) -> Response:
    """A recording's timeline: its spans (recording, silence, skip) and what it captured."""
    found = _engine(request).recordings.all.get(request.path_params["sid"])
    if found is None:
        raise not_found(request.url.path)
    spans = [{"kind": s.kind, "start": s.start, "end": s.end} for s in found.spans]
    tones = [{"start": t.start, "length": t.length, "speaker": t.speaker} for t in found.tones()]
    body = {"sid": found.sid, "status": found.status, "length": found.length()}
    return JSONResponse({**body, "spans": spans, "tones": tones})


async def _settings(request: Request, name: str, parse: Any) -> Response:
    """Read (GET) or replace (PUT, a JSON object) one of the engine's settings."""
    engine = _engine(request)
    if request.method == "PUT":
        try:
            setattr(engine, name, parse(await _body(request)))
        except (ValueError, TypeError) as exc:
            raise TwilioError(400, 20001, str(exc)) from exc
        engine.notifier.faults = engine.faults
    return JSONResponse(getattr(engine, name).to_dict())


async def faults(request: Request) -> Response:
    """The injected faults (GET), or a new set of them (PUT; ``{}`` clears them)."""
    return await _settings(request, "faults", Faults.from_dict)


async def limits(request: Request) -> Response:
    """The account's limits (GET), or new ones (PUT ``calls_per_second``, ``max_concurrent``)."""
    return await _settings(request, "limits", Limits.from_dict)


async def hangup(request: Request) -> Response:
    call = _call(request)
    if not call.is_live:
        raise TwilioError(400, 21220, "Call is not in-progress.")
    _engine(request).life.terminate(call, "completed", reason="far end hung up (sim API)")
    return JSONResponse({"sid": call.sid, "status": call.status})


async def phonebook(request: Request) -> Response:
    engine = _engine(request)
    raw = request.path_params["number"]
    number = to_e164(raw) or raw
    if request.method == "GET":
        return JSONResponse({"number": number, **engine.phonebook.lookup(number).to_dict()})
    data = await _body(request)
    try:
        behaviour = Behaviour.from_dict(data)
    except (ValueError, TypeError) as exc:
        raise TwilioError(400, 20001, str(exc)) from exc
    engine.phonebook.set(number, behaviour)
    return JSONResponse({"number": number, **behaviour.to_dict()})


async def inbound(request: Request) -> Response:
    """Start a call from ``from`` to one of "our" numbers ``to``, running ``url``."""
    engine = _engine(request)
    data = await _body(request)

    def pick(*keys: str) -> Any:
        for key in keys:
            if data.get(key) not in (None, ""):
                return data[key]
        return None

    from_ = to_e164(str(pick("from", "From") or ""))
    to = to_e164(str(pick("to", "To") or ""))
    if not from_:
        raise TwilioError(400, 21213, "from: a valid phone number is required")
    if not to:
        raise TwilioError(400, 21211, "to: a valid phone number is required")
    local = engine.local_hosts
    url = check_url(pick("url", "Url"), "url", local)
    twiml = check_twiml(pick("twiml", "Twiml"))
    if bool(url) == bool(twiml):
        raise TwilioError(400, 21205, "exactly one of url or twiml is required")
    events = pick("status_callback_event", "StatusCallbackEvent") or []
    events = check_events([events] if isinstance(events, str) else [str(e) for e in events])
    call = engine.new_call(
        to=to,
        from_=from_,
        direction="inbound",
        url=url,
        twiml=twiml,
        method=check_method(pick("method", "Method"), "method"),
        fallback_url=check_url(pick("fallback_url", "FallbackUrl"), "fallback_url", local),
        status_callback=check_url(
            pick("status_callback", "StatusCallback"), "status_callback", local
        ),
        status_callback_method=check_method(
            pick("status_callback_method", "StatusCallbackMethod"), "status_callback_method"
        ),
        status_callback_events=events,
        caller_name=pick("caller_name", "CallerName"),
        forwarded_from=pick("forwarded_from", "ForwardedFrom"),
        status="ringing",
    )
    engine.start(call)
    return JSONResponse(call.to_json(), status_code=201)


routes = [
    Route("/sim/health", health, methods=["GET"]),
    Route("/sim/stats", stats, methods=["GET"]),
    Route("/sim/calls", list_calls, methods=["GET"]),
    Route("/sim/calls/{sid}", get_call, methods=["GET"]),
    Route("/sim/calls/{sid}/transcript", transcript, methods=["GET"]),
    Route("/sim/calls/{sid}/digits", digits, methods=["POST"]),
    Route("/sim/calls/{sid}/hangup", hangup, methods=["POST"]),
    Route("/sim/calls/{sid}/say", say, methods=["POST"]),
    Route("/sim/conferences/{sid}", conference, methods=["GET"]),
    Route("/sim/recordings/{sid}", recording, methods=["GET"]),
    Route("/sim/clock", clock, methods=["GET"]),
    Route("/sim/faults", faults, methods=["GET", "PUT"]),
    Route("/sim/limits", limits, methods=["GET", "PUT"]),
    Route("/sim/phonebook/{number}", phonebook, methods=["GET", "PUT"]),
    Route("/sim/inbound", inbound, methods=["POST"]),
]
