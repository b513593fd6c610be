"""The dashboard's choice of days (a GET form: the page's address says what it shows)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .periods import Period

MAX_DAYS = 92


class DayInput(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates."""

    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class PeriodForm(forms.Form):
    since = forms.DateField(label="From", required=False, widget=DayInput)
    until = forms.DateField(label="To", required=False, widget=DayInput)

    def __init__(self, data=None, **kwargs) -> None:
        today = timezone.localdate()
        kwargs.setdefault("initial", {"since": today, "until": today})
        super().__init__(data, **kwargs)

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        today = timezone.localdate()
        since = data.get("since") or data.get("until") or today
        until = data.get("until") or (since if data.get("since") else today)
        if until < since:
            raise ValidationError("The last day comes before the first.", code="reversed")
        if (until - since).days >= MAX_DAYS:
            raise ValidationError(f"Choose at most {MAX_DAYS} days at a time.", code="too_long")
        data["period"] = Period(since, until)
        return data

    def period(self) -> Period:
        """The chosen days; today when nothing was chosen."""
        if not self.is_bound:
            return Period.today()
        return self.cleaned_data["period"]
