"""The account's own phone numbers and verified caller IDs, and the From rule.

Twilio places a call only from one of the account's numbers
(IncomingPhoneNumbers) or a verified caller ID (OutgoingCallerIds); any other
``From`` is refused with 21210. voicesim applies the rule once it knows the
account's numbers (``--number`` / ``--caller-id``); with none given it lets
every ``From`` through, as before, so a simulator without setup still works.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from voicesim.calls import new_sid
from voicesim.clock import rfc2822, utcnow
from voicesim.errors import TwilioError
from voicesim.numbers import is_address, national_format


@dataclass
class AccountNumber:
    """A number of the account: bought (incoming) or verified (an outgoing caller ID)."""

    sid: str
    account_sid: str
    phone_number: str
    date_created: datetime = field(default_factory=utcnow)

    def base(self, resource: str) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "phone_number": self.phone_number,
            "friendly_name": national_format(self.phone_number),
            "date_created": rfc2822(self.date_created),
            "date_updated": rfc2822(self.date_created),
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/{resource}/{self.sid}.json",
        }

    def incoming_json(self) -> dict[str, Any]:
        """The ``api.v2010.account.incoming_phone_number`` resource (voice only)."""
        return {
            **self.base("IncomingPhoneNumbers"),
            "api_version": "2010-04-01",
            "beta": False,
            "capabilities": {"voice": True, "sms": False, "mms": False, "fax": False},
            "origin": "twilio",
            "status": "in-use",
            "voice_receive_mode": "voice",
            "voice_caller_id_lookup": False,
            "voice_method": "POST",
            "voice_fallback_method": "POST",
            "status_callback_method": "POST",
            "sms_method": "POST",
            "sms_fallback_method": "POST",
            "address_requirements": "none",
            "emergency_status": "Inactive",
        }

    def caller_id_json(self) -> dict[str, Any]:
        """The ``api.v2010.account.outgoing_caller_id`` resource."""
        return self.base("OutgoingCallerIds")


class AccountNumbers:
    """The numbers a call may come from."""

    def __init__(self, account_sid: str, incoming: list[str], caller_ids: list[str]) -> None:
        self.incoming: OrderedDict[str, AccountNumber] = OrderedDict()
        self.caller_ids: OrderedDict[str, AccountNumber] = OrderedDict()
        for numbers, book in ((incoming, self.incoming), (caller_ids, self.caller_ids)):
            for number in numbers:
                entry = AccountNumber(new_sid("PN"), account_sid, number)
                book[entry.sid] = entry

    def check_from(self, from_number: str) -> None:
        """21210 for a ``From`` that is neither the account's nor verified."""
        if is_address(from_number) or not (self.incoming or self.caller_ids):
            return
        known = {n.phone_number for n in (*self.incoming.values(), *self.caller_ids.values())}
        if from_number not in known:
            raise TwilioError(
                400,
                21210,
                f"The source phone number provided, {from_number}, is not yet verified for "
                "your account. You may only make calls from phone numbers that you've "
                "verified or purchased from Twilio.",
            )
