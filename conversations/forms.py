"""The form every conversation action posts from the board and the call's admin page.

It carries the fields any kind may take (`inputs` of the kind); only those of the
kind asked for are handed to it, and the kind checks them.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from calls.serializers import AFTER_SECONDS_MAX

from .models import Origin, Role
from .registry import ActionKind

SCREENS = [(Origin.BOARD, "Live board"), (Origin.ADMIN, "Admin")]


class ConversationActionForm(forms.Form):
    to = forms.CharField(
        required=False, max_length=255, help_text="your phone number, sip: address or client:"
    )
    who = forms.ChoiceField(
        required=False, choices=[(Role.CUSTOMER, "Customer"), (Role.AGENT, "Agent")]
    )
    participant = forms.IntegerField(required=False, min_value=1)
    # A transfer's target, picked from the kind's `choices`; the kind checks them.
    agent = forms.IntegerField(required=False, min_value=1)
    queue = forms.IntegerField(required=False, min_value=1)
    after_seconds = forms.IntegerField(
        required=False, min_value=1, max_value=AFTER_SECONDS_MAX, help_text="empty: now"
    )
    screen = forms.ChoiceField(choices=SCREENS)

    def params_for(self, kind: ActionKind) -> dict:
        """The kind's own fields as filled in (empty ones left out: the kind's default)."""
        data = self.cleaned_data
        return {name: data[name] for name in kind.inputs if data.get(name) not in (None, "")}

    def at(self) -> dt.datetime | None:
        seconds = self.cleaned_data.get("after_seconds")
        return timezone.now() + dt.timedelta(seconds=seconds) if seconds else None
