"""What a supervisor can do to a live call from the board, each through its service.

One table serves both sides: the board shows a row the actions that apply to
it, and the action view accepts only those, so what is not shown is not taken.
Every action is recorded by the service as a `Redirect` with the user who asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser

from calls import services as call_services
from calls.exceptions import RuleViolation
from calls.models import Call, Source
from queues import services as queue_services
from queues.models import Agent, EntryStatus, QueueEntry

from .selectors.board import party


class NoFields(forms.Form):
    """An action that needs nothing but the call."""


class TakeOffHoldForm(forms.Form):
    agent = forms.ModelChoiceField(
        Agent.objects.all(), required=False, empty_label="Next available agent"
    )


class RedirectToUrlForm(forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=1000,
        assume_scheme="https",
        help_text="Where Twilio fetches the call's next TwiML.",
    )


@dataclass(frozen=True)
class Target:
    """The call a row stands for and its open queue stay, if any."""

    call: Call
    entry: QueueEntry | None

    @property
    def name(self) -> str:
        return party(self.call)

    def require_entry(self) -> QueueEntry:
        if self.entry is None:
            raise RuleViolation("This caller is no longer in a queue.", code="ended")
        return self.entry


Perform = Callable[[Target, dict, AbstractBaseUser], str]


@dataclass(frozen=True)
class LiveAction:
    slug: str
    label: str
    form: type[forms.Form]
    applies: Callable[[QueueEntry | None], bool]
    perform: Perform
    template: str = "console/actions/button.html"


def _take_off_hold(target: Target, data: dict, user: AbstractBaseUser) -> str:
    entry = queue_services.take_off_hold(
        target.require_entry(), agent=data["agent"], origin=Source.ADMIN, requested_by=user
    )
    return f"{target.name} is being connected to {entry.agent}."


def _send_to_survey(target: Target, data: dict, user: AbstractBaseUser) -> str:
    queue_services.send_to_survey(target.require_entry(), origin=Source.ADMIN, requested_by=user)
    return f"{target.name} is being sent to the survey."


def _hang_up_politely(target: Target, data: dict, user: AbstractBaseUser) -> str:
    queue_services.hang_up_politely(target.require_entry(), origin=Source.ADMIN, requested_by=user)
    return f"Hanging up {target.name} politely: they hear goodbye first."


def _redirect(target: Target, data: dict, user: AbstractBaseUser) -> str:
    call_services.request_redirect(
        target.call, url=data["url"], origin=Source.ADMIN, requested_by=user, reason="live board"
    )
    return f"{target.name} is being redirected to {data['url']}."


def _hang_up(target: Target, data: dict, user: AbstractBaseUser) -> str:
    call_services.hang_up(target.call, origin=Source.ADMIN, requested_by=user, reason="live board")
    return f"Hanging up {target.name}."


def _waiting(entry: QueueEntry | None) -> bool:
    return entry is not None and entry.status == EntryStatus.WAITING


def _survey_due(entry: QueueEntry | None) -> bool:
    return entry is not None and entry.queue.survey_id is not None and not entry.survey_sent_at


def _in_queue(entry: QueueEntry | None) -> bool:
    return entry is not None


def _any(entry: QueueEntry | None) -> bool:
    return True


ACTIONS: dict[str, LiveAction] = {
    action.slug: action
    for action in (
        LiveAction(
            "take-off-hold",
            "Take off hold",
            TakeOffHoldForm,
            _waiting,
            _take_off_hold,
            "console/actions/take_off_hold.html",
        ),
        LiveAction("send-to-survey", "Send to survey", NoFields, _survey_due, _send_to_survey),
        LiveAction(
            "redirect",
            "Redirect",
            RedirectToUrlForm,
            _any,
            _redirect,
            "console/actions/redirect.html",
        ),
        LiveAction("hang-up-politely", "Hang up politely", NoFields, _in_queue, _hang_up_politely),
        LiveAction("hang-up", "Hang up", NoFields, _any, _hang_up),
    )
}


def actions_for(entry: QueueEntry | None) -> list[LiveAction]:
    """The actions that apply to a live call with this open queue stay (or none)."""
    return [action for action in ACTIONS.values() if action.applies(entry)]
