"""The kinds of action a live conversation takes, by name.

A kind is registered once, at import, by the module that defines it (this
app's own in `conversations.kinds`; another app's in its `AppConfig.ready()`).
The services know nothing of any kind: they ask the registry for its
validator before saving an action and for its performer when it is due.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from calls.exceptions import RuleViolation

if TYPE_CHECKING:
    from .models import Conference, ConversationAction

# A screen's options for each input picked from a list: {"agent": [(id, label), …], …}.
Choices = dict[str, list[tuple[object, str]]]


@dataclass(frozen=True)
class ActionKind:
    """What one kind of action needs and does.

    `validate(conference, params)` returns the parameters to store, cleaned, or
    raises `RuleViolation` naming the field at fault; it runs when the action is
    asked for and again when it is due (the conversation may have changed).
    `perform(action)` does it through `calls.telephony` and nothing else; a
    `TwilioError` it raises fails the action with Twilio's code. It may return a
    dict of changes to store on the action (e.g. the participant it brought in).
    `permission` is the full permission name a user needs to ask for it.
    `needs_conference_sid`: whether it waits for Twilio to name the conference
    (every change of a participant does; dialing one in by the room's name does not).
    `inputs`: the names of the fields a person fills in for it (`to`, `who`,
    `participant`…), which the board and the admin show next to its button.
    `manual`: offered to people (board, admin, API); the product's own steps (dialing
    the agent in at a hand-off) are not.
    `choices(conferences)`: for inputs picked from a list (`agent`, `queue`), what each of
    these live conferences offers, by conference id then input name:
    `{conference_id: {"agent": [(id, "Bob (available)"), …]}}`. Asked once for a whole
    screen (a board of many rows), so it takes a fixed number of queries; kinds that
    share one callable have it asked once.
    """

    name: str
    label: str
    permission: str
    validate: Callable[[Conference, Mapping], dict]
    perform: Callable[[ConversationAction], dict | None]
    needs_conference_sid: bool = True
    manual: bool = True
    inputs: tuple[str, ...] = ()
    choices: Callable[[Sequence[Conference]], dict[int, Choices]] | None = None


_KINDS: dict[str, ActionKind] = {}


def register(kind: ActionKind) -> ActionKind:
    """Add a kind; a second kind under a taken name is a programming error."""
    if kind.name in _KINDS and _KINDS[kind.name] != kind:
        raise ValueError(f"An action kind named {kind.name!r} is already registered.")
    _KINDS[kind.name] = kind
    return kind


def kind_named(name: str) -> ActionKind:
    """The kind called `name`; a RuleViolation on `kind` for an unknown one."""
    try:
        return _KINDS[name]
    except KeyError:
        known = ", ".join(sorted(_KINDS))
        raise RuleViolation(
            f"Unknown action {name!r}; one of: {known}.", field="kind", code="unknown_kind"
        ) from None


def manual_kinds() -> list[ActionKind]:
    """The kinds people may ask for, in the order registered (the order buttons show in)."""
    return [kind for kind in _KINDS.values() if kind.manual]
