"""What every app's admin builds on: pages that only show, and changes that go
through services.

Rows change through the services alone (from admin actions, reported as
messages), so the admin never adds, edits or deletes them by hand. Built for
tables with millions of rows: no exact count of a big result.
"""

import json
from collections.abc import Callable
from functools import cached_property

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connections, models, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from .exceptions import RuleViolation
from .forms import ServiceForm
from .permissions import CONTROL_CALLS


class EstimatedCountPaginator(Paginator):
    """On PostgreSQL an exact COUNT(*) of a big result reads all of it; for page
    links the planner's estimate is good enough: the table's row count when the
    list is unfiltered, the plan's row estimate when it is filtered. Results the
    planner puts below `exact_below` rows are counted exactly."""

    exact_below = 100_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql":
            estimate = self._estimate(queryset, connection)
            if estimate >= self.exact_below:
                return estimate
        return super().count

    @staticmethod
    def _estimate(queryset: QuerySet, connection) -> int:
        if queryset.query.where:
            plan = json.loads(queryset.explain(format="json"))
            return int(plan[0]["Plan"]["Plan Rows"])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                [connection.ops.quote_name(queryset.model._meta.db_table)],
            )
            row = cursor.fetchone()
        return row[0] if row else 0


class ReadOnly:
    """Nothing is added, changed or deleted by hand: only services write."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return list(self.fields)


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """Rows written only by the services: shown, never added, edited or deleted here."""


class ServiceAdmin(ReadOnlyAdmin):
    """Read-only pages; changes only through services, reported as messages."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def has_control_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(CONTROL_CALLS)

    def run_service(
        self,
        request: HttpRequest,
        objects: QuerySet,
        service: Callable[..., object],
        verb: str,
        form: ServiceForm | None = None,
        **arguments: object,
    ) -> bool:
        """Apply `service` to each object and say how it went.

        An object the service refuses (a call that has ended, say) is reported
        and skipped; a refusal about the form's input instead puts the error on
        the form and undoes the whole batch, returning False.
        """
        done = 0
        refused: list[tuple[Model, RuleViolation]] = []
        try:
            with transaction.atomic():
                for obj in objects:
                    try:
                        service(obj, **arguments)
                    except RuleViolation as error:
                        if form is not None and form.field_for(error):
                            form.add_rule_violation(error)
                            raise
                        refused.append((obj, error))
                    else:
                        done += 1
        except RuleViolation:
            return False
        if done:
            name = self.opts.verbose_name if done == 1 else self.opts.verbose_name_plural
            self.message_user(request, f"{verb}: {done} {name}.", messages.SUCCESS)
        for obj, error in refused:
            self.message_user(request, f"{obj}: refused. {error.message}", messages.ERROR)
        return True
