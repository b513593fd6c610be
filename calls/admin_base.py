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
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections, models, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from callcenter.formats import NOTHING

from .exceptions import RuleViolation
from .forms import ServiceForm
from .models import Call
from .permissions import CONTROL_CALLS
from .presenters import attach_context

# A success message names this many of the objects it acted on, then counts the rest.
NAMED_IN_MESSAGES = 3


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

    empty_value_display = NOTHING
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


class PartiesChangeList(ChangeList):
    """A changelist whose page of calls knows their parties' names: one query per
    `calls.presenters` provider for the whole page."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        attach_context(self.model_admin.calls_of(self.result_list))


class ServiceAdmin(ReadOnlyAdmin):
    """Read-only pages; changes only through services, reported as messages.

    Rows that are calls, or that hold one in `call_field`, name it by its parties
    (`calls.presenters`) on the list, the page, the breadcrumbs and the messages.
    """

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    call_field = ""

    def calls_of(self, rows) -> list[Call]:
        if self.model is Call:
            return list(rows)
        if self.call_field:
            return [getattr(row, self.call_field) for row in rows]
        return []

    def get_changelist(self, request: HttpRequest, **kwargs: object) -> type[ChangeList]:
        return PartiesChangeList

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        found = super().get_object(request, object_id, from_field)
        if found is not None:
            attach_context(self.calls_of([found]))
        return found

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
        done: list[Model] = []
        refused: list[tuple[Model, RuleViolation]] = []
        if self.call_field and isinstance(objects, QuerySet):
            objects = objects.select_related(self.call_field)
        objects = list(objects)
        attach_context(self.calls_of(objects))
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
                        done.append(obj)
        except RuleViolation:
            return False
        if done:
            self.message_user(request, f"{verb}: {self.described(done)}.", messages.SUCCESS)
        for obj, error in refused:
            self.message_user(request, f"{obj}: refused. {error.message}", messages.ERROR)
        return True

    def described(self, objects: list[Model]) -> str:
        """ "2 calls (Ann (+1 415-555-0123) → … · 30 Nov 14:05; …)": how many, and which."""
        count = len(objects)
        name = self.opts.verbose_name if count == 1 else self.opts.verbose_name_plural
        named = "; ".join(str(obj) for obj in objects[:NAMED_IN_MESSAGES])
        more = f"; and {count - NAMED_IN_MESSAGES} more" if count > NAMED_IN_MESSAGES else ""
        return f"{count} {name} ({named}{more})"
