"""Probes for load balancers: liveness (the process answers) and readiness (the
database and the broker answer)."""

from django.db import connection
from django.http import HttpResponse, JsonResponse

from .celery import app


def healthz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = connection.vendor
    except Exception as exc:  # any failure means "not ready"
        checks["database"] = f"error: {exc}"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
        checks["broker"] = app.conf.broker_url.split(":", 1)[0]
    except Exception as exc:
        checks["broker"] = f"error: {exc}"
    ok = not any(str(value).startswith("error") for value in checks.values())
    return JsonResponse({"ok": ok, **checks}, status=200 if ok else 503)


def livez(request):
    """Liveness: answers without touching the database or the broker, so a slow
    database gets the instance taken out of rotation (readiness), not restarted."""
    return HttpResponse("ok", content_type="text/plain")
