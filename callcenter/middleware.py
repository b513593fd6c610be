"""A database that cannot answer is a temporary outage, not a bug: the client
gets 503 JSON with `Retry-After` (Twilio, the API's integrations and load
balancers all know to come back), and the log gets one line per request, not
the chained tracebacks of the driver and Django (megabytes a second under load).
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, JsonResponse

from .health import one_line

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error(
            "503 %s %s: database unavailable: %s", request.method, request.path, one_line(exception)
        )
        response = JsonResponse(
            {
                "detail": "The database is unavailable; try again shortly.",
                "code": "database_unavailable",
            },
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
        response._has_been_logged = True  # the line above; Django would add another
        return response
