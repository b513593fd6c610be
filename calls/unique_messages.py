"""Duplicates refused in plain words.

Django words a duplicate from field labels: "Do-not-call entry with this Value
and Is prefix already exists." A model that mixes this in and lists
`unique_messages` says what is already there instead, e.g. "+14155550100 is
already on the do-not-call list." Only the wording changes (no migration).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class PlainUniqueMessages:
    # The fields of a unique check → its message, formatted with the values of
    # those fields on the record refused.
    unique_messages: dict[tuple[str, ...], str] = {}

    def unique_error_message(self, model_class, unique_check) -> ValidationError:
        message = self.unique_messages.get(tuple(unique_check))
        if message is None:
            return super().unique_error_message(model_class, unique_check)
        values = {name: getattr(self, name) for name in unique_check}
        return ValidationError(message.format(**values), code="unique")
