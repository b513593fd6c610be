"""The 2008-08-01 Calls API of seeds 000 and 002, on the same engine.

It differs from 2010 in its vocabulary (Caller/Called, CurrentUrl, IfMachine,
DialStatus), in its numbers ("any format", shown back as ten digits) and in
answering ``TwilioResponse`` XML. Calls created here are ordinary engine calls
with ``api_version="2008-08-01"``, so they also show in the 2010 list.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from voicesim.calls import FINAL_STATUSES, Call, Source
from voicesim.clock import rfc2822
from voicesim.engine import API_2008, Engine
from voicesim.errors import TwilioError, not_found, not_in_progress
from voicesim.forms import bounded_int, check_auth, check_method, check_url, parties, read_form
from voicesim.numbers import ten_digits

SEND_DIGITS = re.compile(r"^[0-9*#wW]*$")
#: the 2008 numeric call status
STATUS_2008 = {
    "queued": "0",
    "initiated": "0",
    "ringing": "0",
    "in-progress": "1",
    "completed": "2",
    "busy": "3",
    "failed": "4",
    "no-answer": "5",
    "canceled": "5",
}


def xml(body: str, status: int = 200) -> Response:
    return Response(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<TwilioResponse>{body}</TwilioResponse>',
        status_code=status,
        media_type="application/xml",
    )


def error_xml(error: TwilioError) -> Response:
    return xml(
        "<RestException>"
        f"<Status>{error.status}</Status><Message>{escape(error.message)}</Message>"
        f"<Code>{error.code}</Code>"
        f"<MoreInfo>https://www.twilio.com/docs/errors/{error.code}</MoreInfo>"
        "</RestException>",
        status=error.status,
    )


def _tag(name: str, value: str | None) -> str:
    return f"<{name}>{escape(value)}</{name}>" if value else f"<{name}/>"


def call_xml(call: Call) -> str:
    return (
        "<Call>"
        + _tag("Sid", call.sid)
        + "<CallSegmentSid/>"
        + _tag("AccountSid", call.account_sid)
        + _tag("Called", ten_digits(call.to))
        + _tag("Caller", ten_digits(call.from_))
        + _tag("PhoneNumberSid", call.phone_number_sid)
        + _tag("Status", STATUS_2008.get(call.status, "0"))
        + _tag("StartTime", rfc2822(call.start_time or call.date_created))
        + _tag("EndTime", rfc2822(call.end_time))
        + "<Price/>"
        + _tag("Duration", None if call.duration is None else str(call.duration))
        + _tag("Flags", "1" if call.direction != "inbound" else "0")
        + "</Call>"
    )


async def create(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    try:
        check_auth(request, engine.account_sid, engine.auth_token)
        form = await read_form(request)
        called_number, caller_number = parties(
            form.get("Called"), form.get("Caller"), ("Called", "Caller")
        )
        url = form.get("Url")
        if not url:
            raise TwilioError(400, 21205, "Url parameter is required")
        check_url(url, "Url", engine.local_hosts)
        send_digits = form.get("SendDigits") or ""
        if not SEND_DIGITS.match(send_digits):
            raise TwilioError(400, 20001, f"SendDigits may only contain 0-9 # *: {send_digits}")
        if_machine = (form.get("IfMachine") or "").lower() or None
        if if_machine not in (None, "continue", "hangup"):
            raise TwilioError(400, 20001, "IfMachine must be Continue or Hangup")
        timeout = bounded_int(form, "Timeout", 60, 1, 999)
        method = check_method(form.get("Method"), "Method")
    except TwilioError as error:
        return error_xml(error)
    call = engine.new_call(
        to=called_number,
        from_=caller_number,
        url=url,
        method=method,
        send_digits=send_digits,
        if_machine=if_machine,
        timeout=timeout,
        api_version=API_2008,
    )
    engine.start(call)
    return xml(call_xml(call), status=201)


async def instance(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    try:
        check_auth(request, engine.account_sid, engine.auth_token)
        call = engine.calls.get(request.path_params["sid"])
        if call is None:
            raise not_found(request.url.path)
        if request.method == "GET":
            return xml(call_xml(call))
        form = await read_form(request)
        current_url = check_url(form.get("CurrentUrl"), "CurrentUrl", engine.local_hosts)
        method = check_method(form.get("CurrentMethod"), "CurrentMethod")
        if call.status in FINAL_STATUSES:
            raise not_in_progress()
        if current_url:
            engine.life.redirect(call, Source(url=current_url, method=method))
        call.touch()
    except TwilioError as error:
        return error_xml(error)
    return xml(call_xml(call))


routes = [
    Route(f"/2008-08-01/{word}/{{account_sid}}/Calls", create, methods=["POST"])
    for word in ("Accounts", "Account")
] + [
    Route(f"/2008-08-01/{word}/{{account_sid}}/Calls/{{sid}}", instance, methods=["GET", "POST"])
    for word in ("Accounts", "Account")
]
