"""Admin forms that hand their input to `calls.services`; they never save a model.

A service's `RuleViolation` becomes an error on the field it names, so the
supervisor sees it where the input is.
"""

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db import models

from .exceptions import RuleViolation
from .models import Call, Redirect
from .serializers import (
    AFTER_SECONDS_MAX,
    DIALING_FIELDS,
    FLOW_FIELDS,
    WHEN_FIELDS,
    chosen_when_fields,
    one_when_only,
    when_arguments,
)

# Names the services give fields, where the form calls them otherwise.
SERVICE_FIELD_NAMES = {"from": "from_"}


def service_formfield(field: models.Field, **kwargs: object) -> forms.Field | None:
    """Twilio fetches only absolute URLs: a scheme-less one is taken as https."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class ServiceForm(forms.ModelForm):
    """Validates shapes with the model's fields; the service checks the rules."""

    class Meta:
        formfield_callback = service_formfield
        labels = {"url": "URL", "twiml": "TwiML", "fallback_url": "Fallback URL"}

    @property
    def fieldsets(self) -> list[tuple[str | None, dict]]:
        """How the admin's form page groups the fields: one box unless a form says otherwise."""
        return [(None, {"fields": list(self.fields)})]

    def field_for(self, error: RuleViolation) -> str | None:
        """The form field a rule violation is about, if it is about this form's input."""
        name = SERVICE_FIELD_NAMES.get(error.field or "", error.field)
        return name if name in self.fields else None

    def add_rule_violation(self, error: RuleViolation) -> None:
        self.add_error(self.field_for(error), error.message)


class ConfirmForm(forms.Form):
    """An action that needs no input, only a yes: its intermediate page lists the rows
    it is about to change and asks."""

    fieldsets: list = []


class PlaceCallForm(ServiceForm):
    """Its cleaned data are the keyword arguments of `services.place_call`."""

    to = forms.CharField(
        max_length=128, help_text="Any format; numbers without a country code are taken as US."
    )
    from_ = forms.CharField(label="From", max_length=128, help_text="Your Twilio number.")

    class Meta(ServiceForm.Meta):
        model = Call
        fields = [*FLOW_FIELDS, *DIALING_FIELDS]
        help_texts = {"url": "Where Twilio fetches the call's TwiML. Give a URL or TwiML."}


class RedirectForm(ServiceForm):
    """ "Redirect to URL…": a new Url (or TwiML) for the selected calls, now or later."""

    at = forms.SplitDateTimeField(
        label="At",
        required=False,
        widget=AdminSplitDateTime,
        help_text="A moment in the future.",
    )
    after_seconds = forms.IntegerField(
        label="After (seconds)",
        required=False,
        min_value=1,
        max_value=AFTER_SECONDS_MAX,
        help_text="This many seconds from now.",
    )
    when_leg_ends = forms.BooleanField(
        label="When the call's leg ends",
        required=False,
        help_text="Once the agent's <Dial> leg ends, without interrupting it (now if none).",
    )

    fieldsets = [
        (None, {"fields": [*FLOW_FIELDS, "reason"]}),
        ("When", {"fields": WHEN_FIELDS, "description": "Leave all empty to redirect now."}),
    ]

    class Meta(ServiceForm.Meta):
        model = Redirect
        fields = [*FLOW_FIELDS, "reason"]

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = chosen_when_fields(cleaned)
        if len(chosen) > 1:
            for name in chosen:
                self.add_error(name, one_when_only(chosen))
        return cleaned

    def service_arguments(self) -> dict:
        """The keywords of `services.request_redirect` for the valid input."""
        flow = {name: value for name, value in self.cleaned_data.items() if name not in WHEN_FIELDS}
        return {**flow, **when_arguments(self.cleaned_data)}
