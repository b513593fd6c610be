"""The call record: what the REST API shows and what the engine mutates.

One ``Call`` per Twilio call, ``<Dial>`` legs included (they are calls with
``direction="outbound-dial"`` and a ``parent_sid``), exactly as Twilio lists
them. Runtime plumbing (the interrupt event, digit queue, timers) lives here too
so one object is all the engine has to pass around.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from voicesim.clock import rfc2822, utcnow
from voicesim.numbers import national_format
from voicesim.transcript import Transcript

LIVE_STATUSES = frozenset({"queued", "initiated", "ringing", "in-progress"})
FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
#: what the REST resource shows; "initiated" is an event, not a resource status
RESOURCE_STATUS = {"initiated": "queued"}
SIP_CODES = {
    "completed": 200,
    "busy": 486,
    "no-answer": 487,
    "canceled": 487,
    "failed": 404,
}


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class Source:
    """Where the next TwiML document comes from: a URL or inline TwiML."""

    url: str | None = None
    method: str = "POST"
    twiml: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class Interrupted(Exception):
    """Raised inside a call's flow when a pending change must take over."""


@dataclass
class Pending:
    """A change asked for while the call runs: a redirect or a hang-up."""

    kind: str  # "redirect" | "hangup"
    source: Source | None = None
    status: str = "completed"
    reason: str = ""


@dataclass
class Call:
    """One call or leg: Twilio's fields plus the simulator's runtime state."""

    sid: str
    account_sid: str
    to: str
    from_: str
    direction: str = "outbound-api"
    api_version: str = "2010-04-01"
    parent_sid: str | None = None
    status: str = "queued"
    url: str | None = None
    method: str = "POST"
    twiml: str | None = None
    fallback_url: str | None = None
    fallback_method: str = "POST"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: frozenset[str] = frozenset({"completed"})
    send_digits: str = ""
    timeout: float = 60.0
    time_limit: float = 14400.0
    machine_detection: str | None = None
    machine_detection_timeout: float = 30.0
    async_amd: bool = False
    async_amd_callback: str | None = None
    async_amd_callback_method: str = "POST"
    if_machine: str | None = None
    caller_name: str | None = None
    forwarded_from: str | None = None
    phone_number_sid: str = field(default_factory=lambda: new_sid("PN"))
    date_created: datetime = field(default_factory=utcnow)
    date_updated: datetime = field(default_factory=utcnow)
    start_time: datetime | None = None
    end_time: datetime | None = None
    answered_by: str | None = None
    duration: int | None = None
    error_code: int | None = None
    created_sim: float = 0.0
    answered_sim: float | None = None
    ended_sim: float | None = None
    dial_status_2008: str | None = None
    transcript: Transcript | None = None
    callback_seq: int = 0
    gathers: int = 0
    # runtime
    pending: Pending | None = None
    interrupt: asyncio.Event = field(default_factory=asyncio.Event)
    digits: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    gather_active: bool = False
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    timers: list[asyncio.TimerHandle] = field(default_factory=list)
    time_limit_timer: asyncio.TimerHandle | None = None
    task: asyncio.Task[None] | None = None
    legs: list[str] = field(default_factory=list)
    #: Record=true on create: record from the answer, with these callback settings
    record: bool = False
    recording_callback: tuple[str | None, str, frozenset[str]] = (None, "POST", frozenset())
    #: simulated seconds it waited, queued, for its turn under calls_per_second
    queue_wait: float = 0.0
    #: the update_21220_after_answer fault has refused this call's update once
    refused_once: bool = False
    #: the call this one is bridged with now (a Dial leg, a dequeued caller)
    bridged_with: str | None = None
    #: the conference seat a Participants create placed this call for
    seat: Any = None
    #: called as the call ends, before its completed callback (conference, queue, recording)
    on_end: list[Callable[[Call], None]] = field(default_factory=list)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def resource_status(self) -> str:
        """The status the REST resource shows (``initiated`` is an event, not a status)."""
        return RESOURCE_STATUS.get(self.status, self.status)

    def touch(self) -> None:
        self.date_updated = utcnow()

    def uri(self) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/Calls/{self.sid}.json"

    def to_json(self) -> dict[str, Any]:
        """The ``api.v2010.account.call`` resource."""
        base = f"/2010-04-01/Accounts/{self.account_sid}/Calls/{self.sid}"
        subresources = (
            "notifications",
            "recordings",
            "payments",
            "events",
            "siprec",
            "streams",
            "transcriptions",
            "user_defined_message_subscriptions",
            "user_defined_messages",
        )
        return {
            "sid": self.sid,
            "date_created": rfc2822(self.date_created),
            "date_updated": rfc2822(self.date_updated),
            "parent_call_sid": self.parent_sid,
            "account_sid": self.account_sid,
            "to": self.to,
            "to_formatted": national_format(self.to),
            "from": self.from_,
            "from_formatted": national_format(self.from_),
            "phone_number_sid": self.phone_number_sid,
            "status": self.resource_status,
            "start_time": rfc2822(self.start_time),
            "end_time": rfc2822(self.end_time),
            "duration": None if self.duration is None else str(self.duration),
            "price": None,
            "price_unit": "USD",
            "direction": self.direction,
            "answered_by": self.answered_by,
            "api_version": self.api_version,
            "forwarded_from": self.forwarded_from,
            "group_sid": None,
            "caller_name": self.caller_name,
            "queue_time": str(round(self.queue_wait * 1000)),
            "trunk_sid": None,
            "uri": base + ".json",
            "subresource_uris": {name: f"{base}/{_camel(name)}.json" for name in subresources},
        }

    def sim_info(self) -> dict[str, Any]:
        """Extra fields for ``/sim/calls``: create times for benchmarks, runtime state."""
        return {
            "sid": self.sid,
            "status": self.status,
            "direction": self.direction,
            "to": self.to,
            "from": self.from_,
            "parent_call_sid": self.parent_sid,
            "answered_by": self.answered_by,
            "duration": self.duration,
            "error_code": self.error_code,
            "created_sim": self.created_sim,
            "answered_sim": self.answered_sim,
            "ended_sim": self.ended_sim,
            "legs": list(self.legs),
            "dial_status": self.dial_status_2008,
        }

    def duration_minutes(self) -> int:
        return math.ceil((self.duration or 0) / 60)


def _camel(name: str) -> str:
    specials = {
        "user_defined_message_subscriptions": "UserDefinedMessageSubscriptions",
        "user_defined_messages": "UserDefinedMessages",
        "siprec": "Siprec",
    }
    return specials.get(name, name.capitalize())
