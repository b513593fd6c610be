"""How a call is named to a person: by its parties and its time, not its SID.

`call_label(call)` is what every page, message and breadcrumb says of a call
("Ann (+1 415-555-0123) → Support (+1 415-555-0100) · 30 Nov 14:05");
`party_label(number, name)` one side of it; `call_phrase(call)` the call in a
sentence, by whoever is on the far side ("the call from Ann (+1 415-555-0123)
with Bob"), for the board's questions and messages. The names come from the apps that
know them (an agent's leg, a queue's number, a campaign's contact): each
registers a provider here, and `attach_context(calls)` asks every provider once
for a whole page of calls, so a list of calls costs one query per provider,
whatever its length (where two apps name the same party, the later one in
INSTALLED_APPS wins: a campaign names its caller ID after itself, not after the
queue's line). A call nobody attached a context to is named by its numbers
alone: naming never queries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import phonenumbers
from django.utils.html import format_html, format_html_join

from callcenter.formats import NOTHING, moment, time_of_day

if TYPE_CHECKING:
    from .models import Call, Redirect

CONTEXT_ATTRIBUTE = "_presented_context"
# `Direction.INBOUND`, written out: the models module imports this one.
INBOUND = "inbound"


@dataclass(frozen=True)
class CallContext:
    """What the other apps know of a call: its parties' names and who handled it."""

    from_name: str = ""
    to_name: str = ""
    agent: str = ""
    queue: str = ""
    campaign: str = ""


# A provider takes calls (saved ones) and gives, for the ids it knows, the
# CallContext fields it can fill in.
ContextProvider = Callable[[list["Call"]], Mapping[int, Mapping[str, str]]]
_providers: list[ContextProvider] = []


def register_context_provider(provider: ContextProvider) -> ContextProvider:
    """Add a provider (usable as a decorator); apps register theirs in `ready()`."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def attach_context(calls: Iterable[Call | None]) -> None:
    """Give each call what every provider knows of it: one query per provider in all.
    A call that has its context already keeps it (and costs nothing)."""
    saved = [
        call
        for call in calls
        if call is not None and call.pk is not None and not hasattr(call, CONTEXT_ATTRIBUTE)
    ]
    if not saved:
        return
    known: dict[int, dict[str, str]] = {call.pk: {} for call in saved}
    for provider in _providers:
        for call_id, values in provider(saved).items():
            known[call_id].update({name: value for name, value in values.items() if value})
    for call in saved:
        setattr(call, CONTEXT_ATTRIBUTE, CallContext(**known[call.pk]))


def context_of(call: Call) -> CallContext:
    """The context attached to `call`, or an empty one (never a query)."""
    return getattr(call, CONTEXT_ATTRIBUTE, None) or CallContext()


def phone_number(number: str) -> str:
    """An E.164 number written the international way ("+1 415-555-0123"); a SIP
    URI, a client identity or anything unreadable as it is."""
    if not number.startswith("+"):
        return number
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_possible_number(parsed):
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def party_label(number: str, name: str = "") -> str:
    """One party in words: "Ann (+1 415-555-0123)", "+1 415-555-0123", or "unknown"."""
    shown = phone_number(number) if number else ""
    if name and shown:
        return f"{name} ({shown})"
    return name or shown or "unknown"


def party_html(number: str, name: str = "") -> str:
    """A party for a table cell: the name above its number, each on its own line."""
    shown = phone_number(number) if number else "unknown"
    kind = "party-number phone" if shown.startswith("+") else "party-number"
    if not name:
        return format_html('<span class="party"><span class="{}">{}</span></span>', kind, shown)
    return format_html(
        '<span class="party"><span class="party-name">{}</span>'
        '<span class="{}" title="{}">{}</span></span>',
        name,
        kind,
        shown,
        shown,
    )


def caller_label(call: Call) -> str:
    return party_label(call.from_number, context_of(call).from_name)


def callee_label(call: Call) -> str:
    return party_label(call.to_number, context_of(call).to_name)


def far_side(call: Call) -> tuple[str, str]:
    """The number and name of whoever is on the far side: the caller of an inbound
    call, whoever we dialed otherwise."""
    return call.far_number, call.far_name


def far_party_label(call: Call) -> str:
    """The far side in words: "Ann (+1 415-555-0123)"."""
    return party_label(*far_side(call))


def far_party_html(call: Call) -> str:
    """The far side for a table cell, as `party_html` writes it."""
    return party_html(*far_side(call))


def call_phrase(call: Call, agent: object | None = None) -> str:
    """The call in a sentence, by its far side and the agent on it if any: "the call
    from Ann (+1 415-555-0123) with Bob", "the call to +1 212-555-0101"."""
    way = "from" if call.direction == INBOUND else "to"
    with_agent = f" with {agent}" if agent else ""
    return f"the call {way} {far_party_label(call)}{with_agent}"


def when_due(redirect: Redirect) -> str:
    """When a scheduled change of a call happens: "at 14:10", or "when the agent hangs up"."""
    if redirect.due_at is not None:
        return f"at {time_of_day(redirect.due_at)}"
    return "when the agent hangs up"


def change_name(redirect: Redirect) -> str:
    """The change a redirect makes, as a noun: "the hang-up", "the redirect"."""
    return f"the {redirect.get_action_display().lower().replace(' ', '-')}"


def call_label(call: Call) -> str:
    """The call as a person names it: its parties and when it began."""
    parties = f"{caller_label(call)} → {callee_label(call)}"
    if call.created_at is None:
        return parties
    return f"{parties} · {moment(call.created_at)}"


def call_html(call: Call) -> str:
    """A call for a table cell: who called whom (each on its line) and when."""
    return format_html(
        '<span class="call-parties">{} → {}</span><span class="call-time">{}</span>',
        caller_label(call),
        callee_label(call),
        moment(call.created_at),
    )


def handled_html(call: Call) -> str:
    """The agent, queue and campaign of a call for a table cell, one a line."""
    context = context_of(call)
    roles = [("agent", context.agent), ("queue", context.queue), ("campaign", context.campaign)]
    shown = [(role, name) for role, name in roles if name]
    if not shown:
        return NOTHING
    return format_html_join(
        "",
        '<span class="handled handled-{}" title="{}">{}</span>',
        ((role, role, name) for role, name in shown),
    )


def copyable(value: str) -> str:
    """A value a person may need to paste elsewhere (a SID), with a button that copies it."""
    return format_html(
        '<code class="copyable">{}</code> '
        '<button type="button" class="copy-button" data-copy="{}" '
        'aria-label="Copy {}">Copy</button>',
        value,
        value,
        value,
    )


def disclosed_parameters(params: Mapping | None) -> str:
    """Raw callback parameters, folded away until asked for: a person reads the
    timeline; the parameters are there for whoever needs the exact fields."""
    params = params or {}
    return format_html(
        '<details class="raw-parameters"><summary>{} parameter{}</summary><pre>{}</pre></details>',
        len(params),
        "" if len(params) == 1 else "s",
        json.dumps(params, indent=2, sort_keys=True),
    )
