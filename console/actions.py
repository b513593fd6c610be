"""What a supervisor can do to a live call from the board, each through its service.

One table serves both sides: the board shows a row the actions that apply to
it, and the action view accepts only those, so what is not shown is not taken.
Every action is recorded by the service as a `Redirect` with the user who asked.
Each says in its own words what it does to whom (`doing`, `done`, `will` for one put
off until later); hanging up and redirecting are asked once more first (`confirm`),
with a choice of when.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser

from calls import services as call_services
from calls.exceptions import RuleViolation
from calls.models import Call, Redirect, Source
from calls.presenters import call_phrase
from calls.serializers import when_arguments
from queues import services as queue_services
from queues.models import Agent, EntryStatus, QueueEntry

# When a change happens, as the board offers it: the keys of `when_arguments`.
WHEN_CHOICES = {
    "now": ("Now", {}),
    "1m": ("In 1 minute", {"after_seconds": 60}),
    "5m": ("In 5 minutes", {"after_seconds": 300}),
    "15m": ("In 15 minutes", {"after_seconds": 900}),
    "leg-end": ("When the agent hangs up (now if no agent)", {"when_leg_ends": True}),
}


class NoFields(forms.Form):
    """An action that needs nothing but the call."""


class TakeOffHoldForm(forms.Form):
    agent = forms.ModelChoiceField(
        Agent.objects.all(), required=False, empty_label="Next available agent"
    )


class WhenForm(forms.Form):
    """Now, in a few minutes, or when the agent hangs up: the services' `at` / `on_leg_end`."""

    when = forms.ChoiceField(
        label="When",
        choices=[(key, label) for key, (label, _) in WHEN_CHOICES.items()],
        required=False,
    )

    def when_arguments(self) -> dict:
        return when_arguments(WHEN_CHOICES[self.cleaned_data["when"] or "now"][1])


class RedirectToUrlForm(WhenForm):
    url = forms.URLField(
        label="URL",
        max_length=1000,
        assume_scheme="https",
        help_text="Where Twilio fetches the call's next TwiML.",
    )
    field_order = ["url", "when"]


@dataclass(frozen=True)
class Target:
    """The call a row stands for and its open queue stay, if any."""

    call: Call
    entry: QueueEntry | None

    @property
    def name(self) -> str:
        """The call by its parties: "the call from +1 415-555-0161 with Ann"."""
        on_call = self.entry is not None and self.entry.status != EntryStatus.WAITING
        return call_phrase(self.call, self.entry.agent if on_call else None)

    def require_entry(self) -> QueueEntry:
        if self.entry is None:
            raise RuleViolation("This caller is no longer in a queue.", code="ended")
        return self.entry


@dataclass(frozen=True)
class Taken:
    """What an action recorded, and the words its messages need besides the call."""

    redirect: Redirect
    words: dict[str, object] = field(default_factory=dict)


Perform = Callable[[Target, forms.Form, AbstractBaseUser], Taken]


@dataclass(frozen=True)
class LiveAction:
    """One action of the board and how its messages say it, each a format of `{call}`
    (the call by its parties) and the words the action adds (`{agent}`, `{url}`)."""

    slug: str
    label: str
    form: type[forms.Form]
    applies: Callable[[QueueEntry | None], bool]
    perform: Perform
    doing: str
    done: str
    template: str = "console/actions/button.html"
    # Actions that cut the call off or send it away are asked once more first.
    confirm: str = ""
    consequence: str = ""
    will: str = ""

    def ask(self, target: Target) -> str:
        return self.confirm.format(call=target.name)


def _take_off_hold(target: Target, form: forms.Form, user: AbstractBaseUser) -> Taken:
    entry = queue_services.take_off_hold(
        target.require_entry(),
        agent=form.cleaned_data["agent"],
        origin=Source.ADMIN,
        requested_by=user,
    )
    return Taken(entry.offer_redirect, {"agent": entry.agent})


def _send_to_survey(target: Target, form: forms.Form, user: AbstractBaseUser) -> Taken:
    return Taken(
        queue_services.send_to_survey(
            target.require_entry(), origin=Source.ADMIN, requested_by=user
        )
    )


def _hang_up_politely(target: Target, form: forms.Form, user: AbstractBaseUser) -> Taken:
    return Taken(
        queue_services.hang_up_politely(
            target.require_entry(), origin=Source.ADMIN, requested_by=user
        )
    )


def _redirect(target: Target, form: RedirectToUrlForm, user: AbstractBaseUser) -> Taken:
    url = form.cleaned_data["url"]
    redirect = call_services.request_redirect(
        target.call,
        url=url,
        **form.when_arguments(),
        origin=Source.ADMIN,
        requested_by=user,
        reason="live board",
    )
    return Taken(redirect, {"url": url})


def _hang_up(target: Target, form: WhenForm, user: AbstractBaseUser) -> Taken:
    return Taken(
        call_services.hang_up(
            target.call,
            **form.when_arguments(),
            origin=Source.ADMIN,
            requested_by=user,
            reason="live board",
        )
    )


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
            doing="Connecting {call} to {agent}",
            done="Put {call} through to {agent}",
            template="console/actions/take_off_hold.html",
        ),
        LiveAction(
            "send-to-survey",
            "Send to survey",
            NoFields,
            _survey_due,
            _send_to_survey,
            doing="Sending {call} to the survey",
            done="Sent {call} to the survey",
        ),
        LiveAction(
            "redirect",
            "Redirect",
            RedirectToUrlForm,
            _any,
            _redirect,
            doing="Redirecting {call} to {url}",
            done="Redirected {call} to {url}",
            template="console/actions/confirm.html",
            confirm="Redirect {call}?",
            consequence="The call leaves what it is doing now and runs the TwiML at the URL.",
            will="Will redirect {call} to {url}",
        ),
        LiveAction(
            "hang-up-politely",
            "Hang up politely",
            NoFields,
            _in_queue,
            _hang_up_politely,
            doing="Hanging up {call} politely: they hear goodbye first",
            done="Hung up {call} politely",
        ),
        LiveAction(
            "hang-up",
            "Hang up",
            WhenForm,
            _any,
            _hang_up,
            doing="Hanging up {call}",
            done="Hung up {call}",
            template="console/actions/confirm.html",
            confirm="Hang up {call}?",
            consequence="The call ends for everyone on it, without a goodbye.",
            will="Will hang up {call}",
        ),
    )
}


@dataclass(frozen=True)
class RowAction:
    """An action offered on one row, with its own form when it asks for confirmation
    (its fields' ids made unique on a page of many rows)."""

    action: LiveAction
    target: Target
    form: forms.Form | None

    @property
    def slug(self) -> str:
        return self.action.slug

    @property
    def question(self) -> str:
        return self.action.ask(self.target)


def actions_for(target: Target) -> list[RowAction]:
    """The actions that apply to a live call with this open queue stay (or none)."""
    return [
        RowAction(
            action,
            target,
            action.form(auto_id=f"{action.slug}-{target.call.pk}-%s") if action.confirm else None,
        )
        for action in ACTIONS.values()
        if action.applies(target.entry)
    ]
