"""A readiness probe for load balancers: the database and the broker answer."""

from django.db import connection
from django.http import JsonResponse

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
