"""Query filters of the calls API.

A call is referred to by its Twilio SID (CA…) or by our own id, whichever the
client has; `call_reference` turns either into a lookup.
"""

import datetime as dt
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from . import rules
from .exceptions import RuleViolation
from .models import Call, CallStatus, Direction, Redirect, RedirectState, Source

CALL_SID_PATTERN = r"CA[0-9a-fA-F]{32}"
CALL_REFERENCE_PATTERN = rf"{CALL_SID_PATTERN}|[0-9]+"


def call_reference(value: str, prefix: str = "") -> Q:
    """A lookup for the call `value` names (SID or id); matches nothing if it is neither."""
    if re.fullmatch(CALL_SID_PATTERN, value):
        return Q(**{f"{prefix}sid": value})
    if value.isdigit():
        return Q(**{f"{prefix}pk": int(value)})
    return Q(pk__in=[])


class CallReferenceField(forms.RegexField):
    def __init__(self, **kwargs: object):
        super().__init__(
            regex=rf"^(?:{CALL_REFERENCE_PATTERN})$",
            error_messages={"invalid": "Give a call SID (CA followed by 32 hex digits) or an id."},
            **kwargs,
        )


class CallReferenceFilter(django_filters.CharFilter):
    """Filters on a related call given by SID or id."""

    field_class = CallReferenceField

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        return qs.filter(call_reference(value, prefix=f"{self.field_name}__"))


class PhoneNumberField(forms.CharField):
    """A number in any format, cleaned to the E.164 form the record holds."""

    def to_python(self, value: object) -> str:
        text = super().to_python(value)
        if not text:
            return text
        try:
            return rules.phone_number(text, field="number")
        except RuleViolation as error:
            # The message quotes the user's text: a parameter, never the format.
            raise ValidationError(
                "%(reason)s", params={"reason": error.message}, code=error.code
            ) from error


class PhoneNumberFilter(django_filters.CharFilter):
    field_class = PhoneNumberField


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 moment, compared in UTC. ISO 8601 and Python take offsets up to
    ±23:59, PostgreSQL only up to ±15:59: handed over in UTC, any valid moment works."""

    def filter(self, qs: QuerySet, value: dt.datetime | None) -> QuerySet:
        if value is not None:
            value = value.astimezone(dt.UTC)
        return super().filter(qs, value)


class CallFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CallStatus.choices)
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    to = PhoneNumberFilter(field_name="to_number", help_text="any format, e.g. +14155550100")
    # `from` is a Python keyword: declared as `from_`, offered to clients as `from`.
    from_ = PhoneNumberFilter(field_name="from_number", help_text="any format")
    parent = CallReferenceFilter(field_name="parent", help_text="SID or id of the parent call")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Call
        fields: list[str] = []

    @classmethod
    def get_filters(cls) -> dict[str, django_filters.Filter]:
        filters = super().get_filters()
        return {("from" if name == "from_" else name): f for name, f in filters.items()}


class RedirectFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=RedirectState.choices)
    origin = django_filters.ChoiceFilter(choices=Source.choices)
    call = CallReferenceFilter(field_name="call", help_text="SID or id of the call")

    class Meta:
        model = Redirect
        fields: list[str] = []
