"""The webhooks a call sends about itself: status callbacks and other posts.

Each call's callbacks go through its own ``OrderedChannel`` so they arrive in
the order they happened without holding the call while they are delivered.
"""

from __future__ import annotations

from typing import Protocol

from voicesim.callbacks import OrderedChannel, WebhookSender
from voicesim.calls import FINAL_STATUSES, SIP_CODES, Call
from voicesim.clock import rfc2822, utcnow
from voicesim.faults import Faults
from voicesim.local_hosts import LocalHosts
from voicesim.places import Place, geographic_params
from voicesim.transcript import Transcript


class Owner(Protocol):
    """What callbacks are sent about: a call, a conference, a recording's call."""

    sid: str
    transcript: Transcript | None


class Notifier:
    """Builds Twilio's webhook parameters for a call and delivers them in order."""

    def __init__(
        self, auth_token: str, faults: Faults, places: dict[str, Place], local: LocalHosts
    ) -> None:
        self.webhooks = WebhookSender(auth_token, local)
        self.places = places
        self.channels: dict[str, OrderedChannel] = {}
        self.faults = faults
        #: reordered_callbacks: the status callback held back until the next one
        self._held: dict[str, dict[str, str]] = {}

    def stop(self) -> None:
        for channel in self.channels.values():
            channel.stop()

    def forget(self, sid: str) -> None:
        self.channels.pop(sid, None)

    def base_params(self, call: Call, status: str | None = None) -> dict[str, str]:
        """What every webhook about ``call`` carries, where its numbers are included."""
        params = {
            "CallSid": call.sid,
            "AccountSid": call.account_sid,
            "From": call.from_,
            "To": call.to,
            "Caller": call.from_,
            "Called": call.to,
            "CallStatus": status or call.status,
            "ApiVersion": call.api_version,
            "Direction": call.direction,
            "ForwardedFrom": call.forwarded_from or "",
            "CallerName": call.caller_name or "",
            **geographic_params(self.places, call.from_, call.to),
        }
        if call.parent_sid:
            params["ParentCallSid"] = call.parent_sid
        return params

    def status_callback(self, call: Call, status: str) -> None:
        params = self.base_params(call, status)
        params["Timestamp"] = rfc2822(utcnow()) or ""
        params["CallbackSource"] = "call-progress-events"
        params["SequenceNumber"] = str(call.callback_seq)
        call.callback_seq += 1
        if status in FINAL_STATUSES:
            params["CallDuration"] = str(call.duration or 0)
            params["Duration"] = str(call.duration_minutes())
            params["SipResponseCode"] = str(SIP_CODES[status])
        if call.answered_by:
            params["AnsweredBy"] = call.answered_by
        url, method = call.status_callback, call.status_callback_method
        batch = [params]
        if self.faults.reordered_callbacks:
            held = self._held.pop(call.sid, None)
            if held is None and status not in FINAL_STATUSES:
                self._held[call.sid] = params
                return
            batch = [params] if held is None else [params, held]
        for each in batch:
            for _ in range(2 if self.faults.duplicate_callbacks else 1):
                self.post(call, "status-callback", url, method, each)

    def post(
        self, owner: Owner, kind: str, url: str | None, method: str, params: dict[str, str]
    ) -> None:
        """Deliver a callback in order for ``owner`` without holding its flow."""
        if not url:
            return

        async def job() -> None:
            answer = await self.webhooks.send(url, method, params)
            owner.transcript.add(
                "callback",
                kind=kind,
                url=url,
                method=method,
                call_status=params.get("CallStatus"),
                callback_event=params.get("StatusCallbackEvent"),
                sequence=params.get("SequenceNumber"),
                http_status=answer.status,
                error=answer.error,
            )

        channel = self.channels.setdefault(owner.sid, OrderedChannel())
        channel.put(job)
