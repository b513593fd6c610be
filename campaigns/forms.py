"""Admin forms: the services' rules shown beside the input they name."""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.db import models

from calls.exceptions import RuleViolation

from .csv_files import MAX_UPLOAD_BYTES
from .models import ISO_WEEKDAYS, Campaign, DoNotCall
from .services.dnc import normalised_entry
from .services.lifecycle import EDITABLE_FIELDS, checked_fields

T = TypeVar("T")


def https_by_default(field: models.Field, **kwargs) -> forms.Field | None:
    """Form fields as the model says, with addresses typed without a scheme taken as https."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class WeekdaysField(forms.MultipleChoiceField):
    """The calling days as a checkbox per day, stored as the ISO digits the model
    keeps ("12345" is Monday to Friday)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"required": "Pick at least one calling day."})
        super().__init__(choices=list(zip(ISO_WEEKDAYS, WEEKDAY_NAMES, strict=True)), **kwargs)

    def prepare_value(self, value):
        return list(value) if isinstance(value, str) else value

    def clean(self, value) -> str:
        return "".join(sorted(super().clean(value)))

    def has_changed(self, initial, data) -> bool:
        return sorted(self.prepare_value(initial or "")) != sorted(data or [])


class CampaignForm(forms.ModelForm):
    # Declared here, so the model's default must be given again for a new campaign.
    window_days = WeekdaysField(
        label="Calling days", initial=Campaign._meta.get_field("window_days").default
    )

    class Meta:
        model = Campaign
        fields = sorted(EDITABLE_FIELDS)
        formfield_callback = https_by_default

    def campaign_fields(self) -> dict:
        """The settings this form edits (the admin leaves read-only ones out)."""
        return {
            name: self.cleaned_data.get(name) for name in self.fields if name in EDITABLE_FIELDS
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        current = {name: getattr(self.instance, name) for name in EDITABLE_FIELDS}
        try:
            cleaned.update(checked_fields({**current, **self.campaign_fields()}))
        except RuleViolation as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, error.message)
        return cleaned


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        help_text="CSV with a header row: phone_number (or phone, number, to), optional "
        "send_digits, and any other columns as variables ($name in the message)."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"At most {MAX_UPLOAD_BYTES // 2**20} MiB a file.")
        return upload

    def queued(self, upload: Callable[[str, str], T]) -> T | None:
        """Hand the file's name and text to `upload`; its refusal goes on the form, as None."""
        if not self.is_valid():
            return None
        file = self.cleaned_data["file"]
        try:
            return upload(file.name, file.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            self.add_error("file", "The file must be UTF-8 text (CSV).")
        except RuleViolation as error:
            self.add_error("file", error.message)
        return None


class DncUploadForm(CsvUploadForm):
    file = forms.FileField(help_text="CSV with a 'number' or 'prefix' column, optional 'reason'.")


class DoNotCallForm(forms.ModelForm):
    class Meta:
        model = DoNotCall
        fields = ["value", "is_prefix", "reason"]

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["value"] = normalised_entry(
                cleaned.get("value", ""), is_prefix=cleaned.get("is_prefix", False)
            )
        except RuleViolation as error:
            self.add_error("value", error.message)
        return cleaned
