"""Serializers read off dataclasses, so an answer a selector builds as a dataclass
is described in the OpenAPI document by the dataclass itself and cannot drift
from it: each field's type from its annotation (`X | None` is nullable), its
description from `field(metadata={"help_text": …})`, the component's
description from the dataclass's docstring.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from datetime import datetime

from rest_framework import serializers

PLAIN_FIELDS: dict[type, type[serializers.Field]] = {
    bool: serializers.BooleanField,
    int: serializers.IntegerField,
    float: serializers.FloatField,
    str: serializers.CharField,
    datetime: serializers.DateTimeField,
}


@functools.cache
def dataclass_serializer(cls: type) -> type[serializers.Serializer]:
    """`<Name>Serializer` with one field per field of the dataclass `cls` (once per
    class, so a dataclass nested in two answers is one component)."""
    hints = typing.get_type_hints(cls)
    declared = {
        field.name: serializer_field(
            hints[field.name],
            help_text=field.metadata.get("help_text", ""),
            allow_blank=field.default == "",
        )
        for field in dataclasses.fields(cls)
    }
    return type(
        f"{cls.__name__}Serializer",
        (serializers.Serializer,),
        {"__doc__": cls.__doc__, "__module__": cls.__module__, **declared},
    )


def serializer_field(hint, **options) -> serializers.Field:
    """The DRF field for the type annotation `hint`."""
    options = {name: value for name, value in options.items() if value}
    arguments = typing.get_args(hint)
    if isinstance(hint, types.UnionType) and type(None) in arguments:
        [inner] = [argument for argument in arguments if argument is not type(None)]
        return serializer_field(inner, allow_null=True, **options)
    origin = typing.get_origin(hint)
    if origin is dict:
        return serializers.DictField(child=serializer_field(arguments[1]), **options)
    if origin is list:
        return serializers.ListField(child=serializer_field(arguments[0]), **options)
    if dataclasses.is_dataclass(hint):
        options.pop("allow_blank", None)
        return dataclass_serializer(hint)(**options)
    if hint in PLAIN_FIELDS:
        if hint is not str:
            options.pop("allow_blank", None)
        return PLAIN_FIELDS[hint](**options)
    raise TypeError(f"No serializer field for {hint!r}")
