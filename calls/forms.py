"""Admin forms that hand their input to `calls.services`; they never save a model.

A service's `RuleViolation` becomes an error on the field it names, so the
supervisor sees it where the input is.
"""

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db import models

from .exceptions import RuleViolation
from .models import Call, Redirect
from .serializers import DIALING_FIELDS, FLOW_FIELDS

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

    def field_for(self, error: RuleViolation) -> str | None:
        """The form field a rule violation is about, if it is about this form's input."""
        name = SERVICE_FIELD_NAMES.get(error.field or "", error.field)
        return name if name in self.fields else None

    def add_rule_violation(self, error: RuleViolation) -> None:
        self.add_error(self.field_for(error), error.message)


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
        required=False,
        widget=AdminSplitDateTime,
        help_text="Leave empty to redirect now; a moment in the future schedules it.",
    )

    class Meta(ServiceForm.Meta):
        model = Redirect
        fields = [*FLOW_FIELDS, "at", "reason"]
