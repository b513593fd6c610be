"""The Twilio gateway: the only module that talks to the Calls and Conferences REST API.

It builds the real `twilio` client from settings and points it at
TWILIO_API_BASE_URL (the real API, or voicesim), and turns the client's errors
into the project's own, keeping Twilio's code. Callers get small dataclasses,
never the client's resource objects, and never its HTTP session: what must
happen around a request (the dialer's send window) is an argument here.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import requests
from django.conf import settings
from twilio.base import values
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from twilio_rebase import RebasedHttpClient, is_twilio_host

from .exceptions import TwilioError, TwilioUnreachable


class TwilioNotReached(TwilioUnreachable):
    """No connection was made: nothing reached Twilio, so sending again is safe."""


@dataclass(frozen=True)
class TwilioCall:
    """The fields of Twilio's Call resource the back office keeps."""

    sid: str
    account_sid: str
    parent_call_sid: str
    status: str
    direction: str
    from_number: str
    to_number: str
    answered_by: str
    start_time: datetime | None
    end_time: datetime | None
    duration: int | None
    price: Decimal | None
    price_unit: str
    queue_time: int | None
    date_created: datetime | None

    @classmethod
    def from_instance(cls, call) -> TwilioCall:
        return cls(
            sid=call.sid,
            account_sid=call.account_sid or "",
            parent_call_sid=call.parent_call_sid or "",
            status=call.status or "",
            direction=call.direction or "",
            from_number=call._from or "",
            to_number=call.to or "",
            answered_by=call.answered_by or "",
            start_time=call.start_time,
            end_time=call.end_time,
            duration=_int_or_none(call.duration),
            price=_decimal_or_none(call.price),
            price_unit=call.price_unit or "",
            queue_time=_int_or_none(call.queue_time),
            date_created=call.date_created,
        )


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _decimal_or_none(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def runs_on_simulator() -> bool:
    """Whether the gateway points at voicesim rather than Twilio itself."""
    return not is_twilio_host(settings.TWILIO_API_BASE_URL)


@functools.cache
def _client_for(account_sid: str, auth_token: str, base_url: str, timeout: float) -> Client:
    http_client = RebasedHttpClient(base_url, timeout=timeout)
    return Client(account_sid, auth_token, http_client=http_client)


def client() -> Client:
    """One client per process and configuration (it keeps a connection pool)."""
    return _client_for(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_BASE_URL,
        settings.TWILIO_HTTP_TIMEOUT,
    )


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the failure happened before any byte of the request left."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _call_twilio(action, *args, **kwargs):
    """Run one client call, mapping its failures onto our exceptions."""
    try:
        return action(*args, **kwargs)
    except TwilioRestException as exc:
        raise TwilioError(
            str(exc.msg), code=_int_or_none(exc.code), status=exc.status, uri=exc.uri or ""
        ) from exc
    except requests.RequestException as exc:
        if _never_sent(exc):
            raise TwilioNotReached(f"Could not connect to Twilio: {exc}") from exc
        raise TwilioUnreachable(f"No answer from Twilio: {exc}") from exc


def _given(params: dict) -> dict:
    """Drop empty optional parameters so the client leaves them out."""
    return {key: value for key, value in params.items() if value not in (None, "", [])}


def create_call(*, gate: AbstractContextManager | None = None, **params) -> TwilioCall:
    """POST .../Calls.json with the client's keyword names (`to`, `from_`, `url`…).

    `gate`, when given, is entered right before the request leaves and left as
    soon as its answer (or failure) is back: the campaign dialer's send window
    counts the create over exactly that time, not the database work around it.
    """
    with gate or nullcontext():
        created = _call_twilio(client().calls.create, **_given(params))
    return TwilioCall.from_instance(created)


def update_call(sid: str, **params) -> TwilioCall:
    """POST .../Calls/{sid}.json: redirect (url/twiml) or end (status) a live call."""
    updated = _call_twilio(client().calls(sid).update, **_given(params))
    return TwilioCall.from_instance(updated)


def fetch_call(sid: str) -> TwilioCall:
    return TwilioCall.from_instance(_call_twilio(client().calls(sid).fetch))


def list_calls(
    *,
    to: str = "",
    from_: str = "",
    start_time_after: date | None = None,
    limit: int = 50,
) -> list[TwilioCall]:
    """Newest first, as Twilio lists them; follows pages up to `limit` calls."""
    found = _call_twilio(
        client().calls.list,
        to=to or values.unset,
        from_=from_ or values.unset,
        start_time_after=start_time_after or values.unset,
        limit=limit,
    )
    return [TwilioCall.from_instance(call) for call in found]


def fetch_transcript(sid: str, *, timeout: float):
    """voicesim's transcript of a call (`GET /sim/calls/{sid}/transcript`), parsed.

    Real Twilio keeps none: ask only when `runs_on_simulator()`. Raises
    TwilioUnreachable, TwilioError with the HTTP status of an error answer, and
    ValueError for an answer that is not JSON.
    """
    base = settings.TWILIO_API_BASE_URL.rstrip("/")
    response = _call_twilio(
        client().http_client.request,
        "GET",
        f"{base}/sim/calls/{sid}/transcript",
        auth=(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN),
        timeout=timeout,
    )
    if response.status_code >= 400:
        raise TwilioError(
            f"voicesim answered {response.status_code}", code=None, status=response.status_code
        )
    return json.loads(response.text)


@dataclass(frozen=True)
class TwilioParticipant:
    """The fields of Twilio's conference Participant resource the back office keeps."""

    call_sid: str
    conference_sid: str
    label: str
    status: str
    muted: bool
    hold: bool
    coaching: bool

    @classmethod
    def from_instance(cls, participant) -> TwilioParticipant:
        return cls(
            call_sid=participant.call_sid or "",
            conference_sid=participant.conference_sid or "",
            label=participant.label or "",
            status=participant.status or "",
            muted=bool(participant.muted),
            hold=bool(participant.hold),
            coaching=bool(participant.coaching),
        )


def create_participant(conference: str, **params) -> TwilioParticipant:
    """POST .../Conferences/{name or SID}/Participants.json: dial someone into a conference.

    Twilio accepts the conference's friendly name here, so a participant can be
    dialed before the conference's SID is known (the conference is made then).
    """
    created = _call_twilio(client().conferences(conference).participants.create, **_given(params))
    return TwilioParticipant.from_instance(created)


def update_participant(conference_sid: str, call_sid: str, **params) -> TwilioParticipant:
    """POST .../Participants/{CallSid}.json: hold, mute, coach or announce to a participant.

    Booleans are sent as given (`False` included): only `None` and "" are left out.
    """
    participant = client().conferences(conference_sid).participants(call_sid)
    updated = _call_twilio(participant.update, **_given(params))
    return TwilioParticipant.from_instance(updated)


def remove_participant(conference_sid: str, call_sid: str) -> None:
    """DELETE .../Participants/{CallSid}.json: the participant leaves, their call goes on."""
    _call_twilio(client().conferences(conference_sid).participants(call_sid).delete)


def end_conference(conference_sid: str) -> None:
    """POST .../Conferences/{sid}.json Status=completed: everyone leaves."""
    _call_twilio(client().conferences(conference_sid).update, status="completed")


@dataclass(frozen=True)
class TwilioRecording:
    """The fields of Twilio's Recording resource the back office keeps."""

    sid: str
    call_sid: str
    conference_sid: str
    status: str
    channels: int | None
    duration: int | None
    start_time: datetime | None

    @classmethod
    def from_instance(cls, recording) -> TwilioRecording:
        return cls(
            sid=recording.sid,
            call_sid=recording.call_sid or "",
            conference_sid=recording.conference_sid or "",
            status=recording.status or "",
            channels=_int_or_none(recording.channels),
            duration=_int_or_none(recording.duration),
            start_time=recording.start_time,
        )


def start_call_recording(
    call_sid: str, *, status_callback: str, events: list[str], channels: str = "dual"
) -> TwilioRecording:
    """POST .../Calls/{sid}/Recordings.json: record the live call from now on."""
    started = _call_twilio(
        client().calls(call_sid).recordings.create,
        recording_status_callback=status_callback,
        recording_status_callback_event=events,
        recording_channels=channels,
    )
    return TwilioRecording.from_instance(started)


def update_call_recording(
    call_sid: str, sid: str, *, status: str, pause_behavior: str = ""
) -> TwilioRecording:
    """POST .../Calls/{call}/Recordings/{sid}.json: pause (with PauseBehavior), resume
    (`in-progress`) or stop a live recording."""
    updated = _call_twilio(
        client().calls(call_sid).recordings(sid).update,
        **_given({"status": status, "pause_behavior": pause_behavior}),
    )
    return TwilioRecording.from_instance(updated)


def delete_recording(sid: str) -> None:
    """DELETE .../Recordings/{sid}.json; one already gone (20404) counts as deleted."""
    try:
        _call_twilio(client().recordings(sid).delete)
    except TwilioError as error:
        if error.status != 404:
            raise


@dataclass(frozen=True)
class RecordingMedia:
    """An open download of a recording's audio: read `chunks`, then `close`."""

    content_type: str
    length: str
    chunks: Iterator[bytes]
    close: Callable[[], None]


MEDIA_CHUNK_BYTES = 64 * 1024


def open_recording_media(sid: str, *, timeout: float) -> RecordingMedia:
    """GET .../Recordings/{sid}.wav with the account's credentials, streamed.

    The media is fetched here rather than linked, so a recording is heard only
    by those the product lets play it, whether or not the account enforces
    authentication on media URLs.
    """
    base = settings.TWILIO_API_BASE_URL.rstrip("/")
    url = f"{base}/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/Recordings/{sid}.wav"
    try:
        response = requests.get(
            url,
            auth=(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN),
            stream=True,
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise TwilioUnreachable(f"No answer from Twilio: {exc}") from exc
    if response.status_code >= 400:
        response.close()
        raise TwilioError(
            f"Twilio answered {response.status_code} for the recording's media",
            code=None,
            status=response.status_code,
            uri=url,
        )
    return RecordingMedia(
        content_type=response.headers.get("Content-Type", "audio/x-wav"),
        length=response.headers.get("Content-Length", ""),
        chunks=response.iter_content(MEDIA_CHUNK_BYTES),
        close=response.close,
    )
