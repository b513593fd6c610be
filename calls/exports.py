"""CSV exports of what a list shows, for spreadsheets.

The API's `export/` routes and the admin's "Export CSV" link write the same
columns: the fields of the API's serializer for that list, so a spreadsheet
and an integration see one shape. Rows are streamed, so a big export starts at
once and never sits whole in memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.urls import URLPattern, path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.serializers import Serializer

CSV_RESPONSE = {
    (200, "text/csv"): OpenApiResponse(
        OpenApiTypes.STR,
        description="CSV with a header row; the columns are the list's fields.",
    )
}


class _Echo:
    """A file whose `write` hands the line back, for `csv.writer` to stream through."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    """Lists and objects (a contact's variables, its attempts) as JSON in one cell."""
    return json.dumps(value) if isinstance(value, list | dict) else value


def csv_lines(serializer_class: type[Serializer], rows: QuerySet) -> Iterator[str]:
    writer = csv.writer(_Echo())
    fields = list(serializer_class().fields)
    yield writer.writerow(fields)
    for row in rows.iterator(chunk_size=500):
        data = serializer_class(row).data
        yield writer.writerow([_cell(data[name]) for name in fields])


def csv_response(
    serializer_class: type[Serializer], rows: QuerySet, filename: str
) -> StreamingHttpResponse:
    return StreamingHttpResponse(
        csv_lines(serializer_class, rows),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class CsvExportViewSetMixin:
    """`GET <list>/export/`: the list as CSV, with the list's filters and without
    pagination. The viewset's `action_permissions` names `export`."""

    @extend_schema(responses=CSV_RESPONSE, filters=True)
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> StreamingHttpResponse:
        """The rows the filters select, as CSV (the list's fields as columns)."""
        rows = self.filter_queryset(self.get_queryset())
        return csv_response(self.get_serializer_class(), rows, f"{self.basename}s.csv")


class CsvExportAdminMixin:
    """An "Export CSV" link on the changelist for the rows its filters, search and
    date drill-down select, in the columns of `export_serializer`."""

    export_serializer: type[Serializer]
    # What the serializer reads beyond the changelist's own rows, fetched in bulk.
    export_prefetch: tuple[str, ...] = ()

    def _export_url_name(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_export"

    def get_urls(self) -> list[URLPattern]:
        export = path(
            "export/", self.admin_site.admin_view(self.export_view), name=self._export_url_name()
        )
        return [export, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        query = request.GET.urlencode()
        url = reverse(f"admin:{self._export_url_name()}") + (f"?{query}" if query else "")
        return super().changelist_view(request, {**(extra_context or {}), "export_url": url})

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            rows = self.get_changelist_instance(request).queryset.prefetch_related(
                *self.export_prefetch
            )
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("These filters do not apply to this list.")
        return csv_response(self.export_serializer, rows, f"{self.opts.model_name}s.csv")
