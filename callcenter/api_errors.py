"""The API answers every error in JSON, including the ones no view raises: a
body too deeply nested or too large to read, a model's own refusal (Django's
`ValidationError`, from `full_clean` in a service), and a URL that matches no
route. Clients parse the body of every answer; an HTML error page breaks them."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"


class BoundedJSONParser(JSONParser):
    """Python's decoder recurses once per level: 100,000 `[` exhaust the stack."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


def exception_handler(exc: Exception, context: dict) -> HttpResponse | None:
    """DRF's handler, plus a body over DATA_UPLOAD_MAX_MEMORY_SIZE as a 413 naming it,
    and Django's `ValidationError` as a 400 on the fields it names (its messages
    without a field under `non_field_errors`), as a serializer's would be."""
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = BodyTooLarge(
            f"The request body is larger than {limit} bytes ({limit / 2**20:.1f} MiB), "
            "the most this API accepts; files go in a multipart upload."
        )
    return drf_exception_handler(exc, context)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A URL that matches no route: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)
