"""The Calls resource of the 2010-04-01 API, answering as Twilio does.

Routes: create/list ``Calls.json``, fetch/update/delete ``Calls/{Sid}.json``.
Validation happens before a call exists, with Twilio's codes (see README for
the table), so the back office's error handling meets the real thing.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from voicesim.calls import FINAL_STATUSES, Call, Source
from voicesim.errors import TwilioError, not_in_progress
from voicesim.forms import (
    Form,
    bounded_int,
    check_bool,
    check_events,
    check_method,
    check_twiml,
    check_url,
    parties,
    query_form,
    read_form,
)
from voicesim.local_hosts import LocalHosts
from voicesim.numbers import to_e164
from voicesim.rest_api import (
    PREFIX,
    authenticated,
    choice_filter,
    date_filter,
    engine_of,
    must_exist,
    page,
)
from voicesim.rest_call_recordings import form_recording_callback
from voicesim.twiml import is_studio_flow

#: the Status values of the Calls list filter (``call_enum_status``)
CALL_STATUSES = (
    "queued",
    "ringing",
    "in-progress",
    "completed",
    "busy",
    "failed",
    "no-answer",
    "canceled",
)
SEND_DIGITS = re.compile(r"^[0-9A-D*#wW]*$")
MAX_SEND_DIGITS = 32


def url_or_twiml(form: Form, required: bool, local: LocalHosts) -> tuple[str | None, str | None]:
    """On create a ``Url`` wins over ``Twiml`` (Twilio ignores the TwiML); on update
    (``required`` false) sending both is refused."""
    url = form.get("Url") or None
    twiml = form.get("Twiml") or None
    if url and twiml and required:
        twiml = None
    if url and twiml:
        raise TwilioError(400, 21205, "Url and Twiml are mutually exclusive: send only one")
    if required and not url and not twiml:
        if form.get("ApplicationSid"):
            raise TwilioError(400, 21205, "ApplicationSid is not supported: send Url or Twiml")
        raise TwilioError(400, 21205, "Url parameter is required (or Twiml)")
    return check_url(url, "Url", local), check_twiml(twiml)


async def create(request: Request) -> Response:
    engine = authenticated(request)
    if engine.faults.strikes(engine.faults.create_429):
        raise TwilioError(429, 20429, "Too Many Requests (injected fault create_429)")
    form = await read_form(request)
    to_number, from_number = parties(form.get("To"), form.get("From"), ("To", "From"))
    engine.account_numbers.check_from(from_number)
    url, twiml = url_or_twiml(form, True, engine.local_hosts)
    events = check_events(form.getlist("StatusCallbackEvent"))
    send_digits = form.get("SendDigits") or ""
    if not SEND_DIGITS.match(send_digits):
        raise TwilioError(400, 20001, f"SendDigits may only contain 0-9 A-D * # w W: {send_digits}")
    if len(send_digits) > MAX_SEND_DIGITS:
        raise TwilioError(400, 20001, f"SendDigits may hold at most {MAX_SEND_DIGITS} keys")
    detection = form.get("MachineDetection") or None
    if detection and detection not in ("Enable", "DetectMessageEnd"):
        raise TwilioError(
            400, 20001, f"MachineDetection must be Enable or DetectMessageEnd: {detection}"
        )
    async_amd = (form.get("AsyncAmd") or "false").lower() == "true"
    record = bool(check_bool(form, "Record"))
    recording_callback = form_recording_callback(form, engine.local_hosts)
    call = engine.new_call(
        to=to_number,
        from_=from_number,
        url=url,
        twiml=twiml,
        method=check_method(form.get("Method"), "Method"),
        fallback_url=check_url(form.get("FallbackUrl"), "FallbackUrl", engine.local_hosts),
        fallback_method=check_method(form.get("FallbackMethod"), "FallbackMethod"),
        status_callback=check_url(form.get("StatusCallback"), "StatusCallback", engine.local_hosts),
        status_callback_method=check_method(
            form.get("StatusCallbackMethod"), "StatusCallbackMethod"
        ),
        status_callback_events=events,
        send_digits=send_digits,
        timeout=bounded_int(form, "Timeout", 60, 1, 600),
        time_limit=bounded_int(form, "TimeLimit", 14400, 1, 86400),
        machine_detection=detection,
        machine_detection_timeout=bounded_int(form, "MachineDetectionTimeout", 30, 3, 59),
        async_amd=async_amd,
        record=record,
        recording_callback=recording_callback,
        async_amd_callback=check_url(
            form.get("AsyncAmdStatusCallback"), "AsyncAmdStatusCallback", engine.local_hosts
        ),
        async_amd_callback_method=check_method(
            form.get("AsyncAmdStatusCallbackMethod"), "AsyncAmdStatusCallbackMethod"
        ),
    )
    engine.start(call)
    return JSONResponse(call.to_json(), status_code=201)


def find_call(request: Request) -> Call:
    return must_exist(authenticated(request).calls.get(request.path_params["sid"]), request)


async def fetch(request: Request) -> Response:
    return JSONResponse(find_call(request).to_json())


async def update(request: Request) -> Response:
    """Redirect or hang up a live call; every parameter is checked before anything changes."""
    engine = engine_of(request)
    call = find_call(request)
    form = await read_form(request)
    status = form.get("Status") or None
    if status and status not in ("completed", "canceled"):
        raise TwilioError(400, 20001, f"Status must be completed or canceled, not {status!r}")
    url, twiml = url_or_twiml(form, False, engine.local_hosts)
    method = check_method(form.get("Method"), "Method")
    fallback_url = check_url(form.get("FallbackUrl"), "FallbackUrl", engine.local_hosts)
    fallback_method = check_method(form.get("FallbackMethod"), "FallbackMethod")
    status_callback = check_url(form.get("StatusCallback"), "StatusCallback", engine.local_hosts)
    callback_method = check_method(form.get("StatusCallbackMethod"), "StatusCallbackMethod")
    time_limit = bounded_int(form, "TimeLimit", 0, 1, 86400)
    if call.status in FINAL_STATUSES:
        raise not_in_progress()
    if engine.faults.update_21220_after_answer and call.answered_sim and not call.refused_once:
        call.refused_once = True
        raise not_in_progress()
    if is_studio_flow(url) and call.answered_sim is not None:
        raise TwilioError(
            400,
            21220,
            "Cannot redirect an in-progress call to a Studio Flow: "
            "Studio Flows can only be triggered for ringing calls.",
        )
    if fallback_url:
        call.fallback_url, call.fallback_method = fallback_url, fallback_method
    if status_callback:
        call.status_callback, call.status_callback_method = status_callback, callback_method
    if time_limit:
        engine.life.limit_time(call, time_limit)
    call.touch()
    if status == "completed":
        engine.life.terminate(call, "completed", reason="Status=completed via API")
    elif status == "canceled" and call.answered_sim is None:
        engine.life.terminate(call, "canceled", reason="Status=canceled via API")
    elif status == "canceled":
        call.transcript.add("cancel-ignored", note="call already in progress")
    elif url or twiml:
        engine.life.redirect(call, Source(url=url, method=method, twiml=twiml))
    return JSONResponse(call.to_json())


async def delete(request: Request) -> Response:
    engine = engine_of(request)
    call = find_call(request)
    if call.is_live:
        raise TwilioError(400, 21220, f"Cannot delete a call that is {call.status}: end it first")
    engine.forget(call)
    return Response(status_code=204)


async def list_calls(request: Request) -> Response:
    engine = authenticated(request)
    form = query_form(request)
    calls = list(reversed(engine.calls.values()))
    if form.get("To"):
        to = to_e164(form.get("To")) or form.get("To")
        calls = [c for c in calls if c.to == to]
    if form.get("From"):
        from_ = to_e164(form.get("From")) or form.get("From")
        calls = [c for c in calls if c.from_ == from_]
    if form.get("ParentCallSid"):
        calls = [c for c in calls if c.parent_sid == form.get("ParentCallSid")]
    calls = choice_filter(calls, form, "Status", CALL_STATUSES, "resource_status")
    calls = date_filter(calls, form, "StartTime", "start_time")
    calls = date_filter(calls, form, "EndTime", "end_time")
    path = f"/2010-04-01/Accounts/{engine.account_sid}/Calls.json"
    return page(form, calls, "calls", path, Call.to_json)


async def call_detail(request: Request) -> Response:
    if request.method == "GET":
        return await fetch(request)
    if request.method == "DELETE":
        return await delete(request)
    return await update(request)


async def call_list(request: Request) -> Response:
    if request.method == "GET":
        return await list_calls(request)
    return await create(request)


routes = [
    Route(PREFIX + "/Calls.json", call_list, methods=["GET", "POST"]),
    Route(PREFIX + "/Calls/{sid}.json", call_detail, methods=["GET", "POST", "DELETE"]),
]
