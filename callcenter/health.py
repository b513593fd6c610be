"""Probes for load balancers: liveness (the process answers) and readiness (the
database and the broker answer).

Readiness names a dependency that is down but never shows the driver's error:
it holds host names, ports and database names, and the probe answers anyone.
The error goes to the log instead.
"""

import logging

from django.db import connection
from django.http import HttpResponse, JsonResponse

from .celery import app

logger = logging.getLogger(__name__)
DOWN = "down"


def database_state() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.vendor


def broker_state() -> str:
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
    return app.conf.broker_url.split(":", 1)[0]


def healthz(request):
    checks = {}
    for name, probe in (("database", database_state), ("broker", broker_state)):
        try:
            checks[name] = probe()
        except Exception as exc:  # any failure means "not ready"
            logger.warning("healthz: %s down: %s", name, one_line(exc))
            checks[name] = DOWN
    ok = DOWN not in checks.values()
    return JsonResponse({"ok": ok, **checks}, status=200 if ok else 503)


def one_line(exc: BaseException) -> str:
    """`exc` as one log line (drivers' messages span several)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"


def livez(request):
    """Liveness: answers without touching the database or the broker, so a slow
    database gets the instance taken out of rotation (readiness), not restarted."""
    return HttpResponse("ok", content_type="text/plain")
