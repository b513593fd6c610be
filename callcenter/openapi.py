"""What the OpenAPI document says that the views cannot: the values the
records really hold, and the errors every operation shares.

A read-only field of a model serializer loses what its column allows (DRF
drops `allow_blank`), and a field reaching through a relation (`call.sid`)
never knew: `AutoSchema` reads both back from the models, so an empty choice,
an empty URL and a null are declared where the records hold them.

Views declare their successes and the refusals of their own (a 409 on a call's
state, a 422 on a reused Idempotency-Key). The errors every operation shares
come from DRF and from callcenter/api_errors.py, and are added here with their
bodies' schemas, so a strict generated client accepts every answer:
400 (invalid input, or a body that is not JSON), 401 (no or a bad token),
403 (the role may not), 404 (no such object, an invalid page cursor),
409 (a write the object's state refuses), 413 (a body over the limit) and
503 (the database is unavailable, with `Retry-After`).
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi
from rest_framework import serializers

ERROR = {
    "type": "object",
    "description": "One error for the whole request.",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": (
        "The messages for each input that is wrong, by its name; a nested input's"
        " (a survey's questions, by position) are its own FieldErrors."
    ),
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            {"$ref": "#/components/schemas/FieldErrors"},
        ]
    },
}
SCHEMAS = {
    "Error": ERROR,
    "FieldErrors": FIELD_ERRORS,
    "InvalidInput": {
        "anyOf": [
            {"$ref": "#/components/schemas/FieldErrors"},
            {"$ref": "#/components/schemas/Error"},
        ]
    },
}
WALL_CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
WRITES = frozenset({"post", "put", "patch", "delete"})


def error_answer(status: HTTPStatus, schema: str) -> dict:
    return {
        "description": status.phrase,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def shared_errors(method: str, operation: dict) -> dict[str, dict]:
    """The errors `operation` can answer besides its own, by status code."""
    errors = {
        HTTPStatus.UNAUTHORIZED: "Error",
        HTTPStatus.FORBIDDEN: "Error",
        HTTPStatus.NOT_FOUND: "Error",
        HTTPStatus.SERVICE_UNAVAILABLE: "Error",
    }
    if "requestBody" in operation or operation.get("parameters"):
        errors[HTTPStatus.BAD_REQUEST] = "InvalidInput"
    if "requestBody" in operation:
        errors[HTTPStatus.REQUEST_ENTITY_TOO_LARGE] = "Error"
    if method in WRITES:
        errors[HTTPStatus.CONFLICT] = "Error"
    return {str(int(status)): error_answer(status, schema) for status, schema in errors.items()}


def document_error_answers(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS)."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for status, answer in shared_errors(method, operation).items():
                responses.setdefault(status, answer)
    return result


@dataclass(frozen=True)
class Column:
    """What a serializer field's value may be, from the model fields behind it."""

    null: bool
    blank: bool


def column_behind(field: serializers.Field) -> Column | None:
    """The column `field` reads (through relations for a dotted source), if any."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or field.source == "*":
        return None
    null = False
    model_field = None
    for name in field.source.split("."):
        if model is None:
            return None
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if model_field.auto_created and not model_field.concrete:
            return None  # a reverse relation (a call's legs): a list, never null
        null = null or model_field.null
        model = model_field.related_model
    return Column(null=null, blank=model_field.blank and not model_field.many_to_many)


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        column = column_behind(field)
        if column is not None:
            field.allow_null = field.allow_null or column.null
            if isinstance(field, serializers.CharField | serializers.ChoiceField):
                field.allow_blank = field.allow_blank or column.blank
        # With `allow_blank`, drf-spectacular declares "" beside an enum or a URI.
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            # A wall-clock time in someone's zone ("09:00:00"), not RFC 3339's
            # time, which carries an offset.
            del schema["format"]
            schema["pattern"] = WALL_CLOCK_TIME
        return schema
