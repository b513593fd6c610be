"""The OpenAPI document holds: every answer the API gives has a status, a content
type and a body that the live schema (`/api/schema/`) declares for it.

Two ways in: every read of records of every kind (the values a schema forgets:
empty URLs and choices, nulls), and schemathesis generating requests for every
operation as an Integrations tool would send them."""

from collections.abc import Iterator

import pytest
import schemathesis
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from callcenter.celery import app
from callcenter.wsgi import application
from campaigns.models import CsvImport, ImportKind
from tests.api.every_kind_of_record import create_every_kind_of_record
from tests.api.records import member_of
from tests.support.schemathesis_runs import described, for_each_operation

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The query parameters an operation cannot do without.
REQUIRED_QUERY = {"since": "2020-01-01", "until": "2030-12-31", "by": "agent"}
EXAMPLES_PER_OPERATION = 25
# Tasks the requests enqueue go to a queue no worker reads, emptied afterwards.
CONTRACT_QUEUE = "openapi-contract"

# The schema the running site serves, with requests sent to the site itself.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def integration_headers(transactional_db, settings) -> Iterator[dict[str, str]]:
    """An Integrations tool's headers, on a site holding records of every kind
    (committed: each request runs in autocommit as deployed), whose tasks go to
    a queue no worker reads."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    create_every_kind_of_record()
    token = Token.objects.create(user=member_of("Integrations"))
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = CONTRACT_QUEUE
    yield {"Authorization": f"Token {token.key}"}
    app.conf.task_default_queue = default_queue
    with app.connection_for_write() as broker:
        broker.default_channel.queue_purge(CONTRACT_QUEUE)


def reads() -> list:
    return [
        operation
        for result in schema.get_all_operations()
        if (operation := result.ok()).method.upper() == "GET"
    ]


def ids_listed(path: str, headers: dict[str, str]) -> list[str]:
    """The ids on the first page of the list at `path` ([] if it is empty)."""
    listing = schema[path]["GET"].Case(query={}).call(headers=headers).json()
    rows = listing["results"] if isinstance(listing, dict) else listing
    return [str(row["id"]) for row in rows]


def imports_at(path: str) -> dict[str, str]:
    """The path's `import_id`, when it has one: an import of the kind it reads."""
    if "{import_id}" not in path:
        return {}
    kind = ImportKind.DO_NOT_CALL if "/do-not-call/" in path else ImportKind.CONTACTS
    return {"import_id": str(CsvImport.objects.filter(kind=kind).values_list("pk").first()[0])}


def test_every_read_of_every_kind_of_record_is_what_the_schema_declares(integration_headers):
    failures = []
    for operation in reads():
        path = operation.path
        query = {
            parameter.name: REQUIRED_QUERY[parameter.name]
            for parameter in operation.query
            if parameter.is_required
        }
        parameters = imports_at(path)
        if "{id}" not in path:
            cases = [operation.Case(path_parameters=parameters, query=query)]
        else:
            listed = ids_listed(path.split("{id}")[0], integration_headers)
            assert listed, f"no record to read at {path}"
            cases = [
                operation.Case(path_parameters={"id": i, **parameters}, query=query) for i in listed
            ]
        for case in cases:
            try:
                case.call_and_validate(headers=integration_headers, checks=CHECKS)
            except FailureGroup as failure:
                failures.append(f"GET {case.formatted_path}: {failure}")

    assert not failures, "\n\n".join(failures)


@pytest.mark.timeout(900)  # a few minutes; a loaded machine may take more
def test_generated_requests_get_the_answers_the_schema_declares(integration_headers):
    """Valid and invalid requests for every operation, a bounded number each.

    The first failure of each operation is recorded and generation goes on: the
    records change as the run writes, so Hypothesis replaying a failing request
    could see another answer.
    """
    first_failure: dict[str, FailureGroup] = {}

    @for_each_operation(EXAMPLES_PER_OPERATION)
    def answered_as_declared(case, operation, data):
        try:
            case.call_and_validate(headers=integration_headers, checks=CHECKS)
        except FailureGroup as failure:
            first_failure.setdefault(operation.label, failure)

    for result in schema.get_all_operations():
        answered_as_declared(operation=result.ok())

    assert not first_failure, "\n\n".join(
        f"{label}: {described(failure)}" for label, failure in first_failure.items()
    )
