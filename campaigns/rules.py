"""The rules a campaign's settings obey, checked before anything is saved.

Each check raises the core's `RuleViolation` naming the field, so the admin and
the API show the message beside the input. Call-level rules (E.164, TwiML,
SendDigits, Timeout…) are the core's own, reused rather than restated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calls import rules as call_rules
from calls.exceptions import RuleViolation

from .models import ISO_WEEKDAYS, ContentKind
from .windows import MIDNIGHT

MAX_CALLS_PER_SECOND = Decimal(100)
MIN_CALLS_PER_SECOND = Decimal("0.001")


def time_zone(value: str, *, field: str = "time_zone") -> str:
    text = (value or "").strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuleViolation(
            f"{text!r} is not a time zone; use an IANA name such as America/New_York.",
            field=field,
        ) from exc
    return text


def weekdays(value: str) -> str:
    text = "".join(sorted(set((value or "").replace(",", "").replace(" ", ""))))
    if not text or any(day not in ISO_WEEKDAYS for day in text):
        raise RuleViolation(
            "Calling days are ISO weekday digits, 1 = Monday … 7 = Sunday, e.g. 12345.",
            field="window_days",
        )
    return text


def pacing(calls_per_second: Decimal, max_concurrent_calls: int) -> None:
    if not MIN_CALLS_PER_SECOND <= Decimal(calls_per_second) <= MAX_CALLS_PER_SECOND:
        raise RuleViolation(
            f"Calls per second must be between {MIN_CALLS_PER_SECOND} and "
            f"{MAX_CALLS_PER_SECOND}; Twilio queues anything above your account's limit.",
            field="calls_per_second",
        )
    if max_concurrent_calls < 1:
        raise RuleViolation(
            "At least one call must be allowed at a time.", field="max_concurrent_calls"
        )


def content(fields: dict[str, Any]) -> None:
    """Each kind of content needs its own input, and only that one."""
    kind = fields["content_kind"]
    needs = {
        ContentKind.MESSAGE: ("message", "message_audio_url"),
        ContentKind.SURVEY: ("survey",),
        ContentKind.URL: ("answer_url",),
        ContentKind.TWIML: ("twiml",),
        ContentKind.AGENT: ("queue",),
    }[kind]
    if not any(fields.get(name) for name in needs):
        label = " or ".join(needs)
        raise RuleViolation(
            f"A campaign that does “{ContentKind(kind).label}” needs its {label}.",
            field=needs[0],
        )
    if kind != ContentKind.URL and fields.get("answer_url"):
        raise RuleViolation("A URL is only used by URL campaigns.", field="answer_url")
    if kind != ContentKind.TWIML and fields.get("twiml"):
        raise RuleViolation("TwiML is only used by TwiML campaigns.", field="twiml")


def campaign_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The campaign's settings, normalised, or RuleViolation on the first wrong one."""
    cleaned = dict(fields)
    cleaned["caller_id"] = call_rules.phone_number(fields["caller_id"], field="caller_id")
    cleaned["answer_url"] = call_rules.absolute_url(
        fields.get("answer_url", ""), field="answer_url"
    )
    for name in ("message_audio_url", "voicemail_audio_url"):
        cleaned[name] = call_rules.absolute_url(fields.get(name, ""), field=name)
    cleaned["answer_method"] = call_rules.http_method(
        fields.get("answer_method", "POST"), field="answer_method"
    )
    cleaned["twiml"] = call_rules.twiml_document(fields.get("twiml", ""))
    cleaned["if_machine"] = call_rules.if_machine(fields.get("if_machine", ""))
    cleaned["send_digits"] = call_rules.send_digits(fields.get("send_digits", ""))
    cleaned["timeout"] = call_rules.ring_timeout(fields.get("timeout"))
    cleaned["time_limit"] = call_rules.time_limit(fields.get("time_limit"))
    cleaned["time_zone"] = time_zone(fields.get("time_zone", "UTC"))
    cleaned["window_days"] = weekdays(fields.get("window_days", "12345"))
    content(cleaned)
    pacing(fields["calls_per_second"], fields["max_concurrent_calls"])
    window_end = fields["window_end"]
    if window_end != MIDNIGHT and fields["window_start"] >= window_end:
        raise RuleViolation(
            "The calling window must end after it starts, within one day "
            "(00:00 as its end is midnight: 00:00 to 00:00 is all day).",
            field="window_end",
        )
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    if starts and ends and ends <= starts:
        raise RuleViolation("The campaign must end after it starts.", field="ends_at")
    return cleaned
