"""The supervisors' calls changelist on a big table: does it stay as fast as on a small one?

Usage (DATABASE_URL must point at PostgreSQL; a scratch database beside it is
created and dropped):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc \
        .venv/bin/python benchmarks/admin_changelist.py [--rows 1000000] [--small 1000]

The same pages (the plain list, a status filter, a search by SID, a day of
the date hierarchy) are timed in process through Django's test
client, first with `--small` calls in the table, then with `--rows`. Printed:
the median time of each page at both sizes and their ratio; a page that does
not grow with the table stays near 1.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

from status_callbacks import drop_database, scratch_database  # noqa: E402

CHANGELIST = "/admin/calls/call/"
REPEATS = 7
STATUSES = "completed completed completed busy no-answer failed in-progress canceled"


def pages(day: str) -> dict[str, dict[str, str]]:
    year, month, dom = day.split("-")
    return {
        "plain list": {},
        "status = busy": {"status__exact": "busy"},
        "search by call SID": {"q": "CA" + hashlib.md5(b"500").hexdigest()},
        "one day": {"created_at__year": year, "created_at__month": month, "created_at__day": dom},
    }


def grow_to(rows: int) -> None:
    """Copy a template call until the table holds `rows` calls, spread over 60 days."""
    from django.db import connection

    from calls.models import Call

    columns = [
        field.column
        for field in Call._meta.concrete_fields
        if field.column not in ("id", "sid", "status", "to_number", "created_at")
    ]
    copied = ", ".join(f'"{column}"' for column in columns)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM calls_call")
        have = cursor.fetchone()[0]
        cursor.execute(
            f"""
            INSERT INTO calls_call (sid, status, to_number, created_at, {copied})
            SELECT 'CA' || md5(g::text),
                   (string_to_array(%s, ' '))[1 + g %% 8],
                   '+1415555' || lpad((g %% 10000)::text, 4, '0'),
                   now() - (g %% 5184000) * interval '1 second',
                   {copied}
            FROM calls_call AS template, generate_series(%s, %s) AS g
            WHERE template.sid = 'CA-template'
            """,
            [STATUSES, have + 1, rows - 1],
        )
        cursor.execute("ANALYZE calls_call")


def median_ms(client, params: dict[str, str]) -> float:
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        response = client.get(CHANGELIST, params)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings)


def measure(client, day: str) -> dict[str, float]:
    return {name: median_ms(client, params) for name, params in pages(day).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    args = parser.parse_args()
    admin, database_url = scratch_database(os.environ.get("DATABASE_URL", ""))
    os.environ.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="callcenter.settings",
        DJANGO_ALLOWED_HOSTS="testserver",
    )
    try:
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client
        from django.utils import timezone

        from calls.models import Call

        call_command("migrate", verbosity=0)
        Call.objects.create(sid="CA-template", to_number="+14155550000", from_number="+1")
        client = Client()
        client.force_login(get_user_model().objects.create_superuser("bench", password=None))
        day = timezone.now().date().isoformat()

        grow_to(args.small)
        small = measure(client, day)
        started = time.perf_counter()
        grow_to(args.rows)
        print(f"filled {args.rows:,} calls in {time.perf_counter() - started:.0f} s")
        big = measure(client, day)

        print(f"{'page':<24} {args.small:>10,} rows {args.rows:>12,} rows {'ratio':>7}")
        for name in small:
            ratio = big[name] / small[name]
            print(f"{name:<24} {small[name]:>10.1f} ms {big[name]:>12.1f} ms {ratio:>7.2f}")
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(admin, database_url)


if __name__ == "__main__":
    main()
