"""Twilio's own OpenAPI description, fuzzed against voicesim with schemathesis.

Every operation of ``voicesim/spec/voice_api_v2010.openapi.json`` that
voicesim serves (its 2010-04-01 routes say which) gets valid and invalid
requests, a bounded number each, on a simulator of its own that holds a call of
every kind: in a conference, waiting in a queue, recorded, ended. Path
parameters name those resources often enough for the successful answers to be
checked too. No answer may be a server error, and every answer the description
declares must match its schema.

One known difference of the description from Twilio itself is tolerated, and
only it: a list page's ``uri``, ``first_page_uri``, ``next_page_uri`` and
``previous_page_uri`` are declared ``format: uri`` (absolute), yet Twilio
answers them root-relative (``/2010-04-01/Accounts/AC…/Calls.json?Page=1…``), as
the description's own examples of those pages show. Those four fields are read
as URI references that must start with ``/2010-04-01/``; nothing else changes.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from twilio.rest import Client

from tests.support.schemathesis_runs import described, for_each_operation
from tests.voicesim.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.voicesim.schema import SPEC, ValidatingHttpClient
from voicesim.app import RESOURCES
from voicesim.process import SimulatorProcess, start_simulator

# The description declares no error answers, so a 4xx is checked for its
# server-error-free status and content type only, not against a status list.
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 12
CENTER = "+14155550100"
VERIFIED = "+14155550101"
#: the page fields Twilio answers root-relative though the description says ``uri``
PAGE_URI_FIELDS = ("uri", "first_page_uri", "next_page_uri", "previous_page_uri")
ROOT_RELATIVE = "^/2010-04-01/"


def page_uris_as_twilio_answers(spec: dict[str, Any]) -> int:
    """Read the list pages' ``*uri`` fields as root-relative references; how many."""
    changed = 0
    for operations in spec["paths"].values():
        listing = operations.get("get", {}).get("responses", {}).get("200", {})
        schema = listing.get("content", {}).get("application/json", {}).get("schema", {})
        if not schema.get("title", "").startswith("List"):
            continue
        for name in PAGE_URI_FIELDS:
            field = schema["properties"][name]
            assert field["format"] == "uri", f"{schema['title']}.{name} changed upstream"
            field.update(format="uri-reference", pattern=ROOT_RELATIVE)
            changed += 1
    return changed


def claimed_routes() -> set[tuple[str, str]]:
    """(method, path with every parameter as ``{}``) of each 2010-04-01 route voicesim serves."""
    return {
        (method, re.sub(r"\{[^}]+\}", "{}", route.path))
        for module in RESOURCES
        for route in module.routes
        for method in route.methods - {"HEAD"}
    }


def claimed_operations(schema: Any) -> list[Any]:
    claimed = claimed_routes()
    operations = [result.ok() for result in schema.get_all_operations()]
    return [
        operation
        for operation in operations
        if (operation.method.upper(), re.sub(r"\{[^}]+\}", "{}", operation.path)) in claimed
    ]


def seed(base_url: str) -> dict[str, list[str]]:
    """A call of every kind on the simulator; the SIDs a path parameter may name,
    by the path segment before it (``Calls/{Sid}``: a call's SID)."""
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=ValidatingHttpClient(base_url))
    far_ends = iter(range(4155556000, 4155556100))

    def someone() -> str:
        number = f"+1{next(far_ends)}"
        behaviour = {"kind": "human", "answer_after": 1, "talk_for": 10**6}
        assert httpx.put(f"{base_url}/sim/phonebook/{number}", json=behaviour).is_success
        return number

    def live(sid: str, event: str) -> str:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            entries = httpx.get(f"{base_url}/sim/calls/{sid}/transcript").json()["entries"]
            if any(entry["event"] == event for entry in entries):
                return sid
            time.sleep(0.01)
        raise AssertionError(f"{sid} never had {event}")

    room = "<Dial><Conference record='record-from-start'>fuzz</Conference></Dial>"
    in_room = client.calls.create(to=someone(), from_=CENTER, twiml=f"<Response>{room}</Response>")
    live(in_room.sid, "conference-joined")
    conference = client.conferences.list(friendly_name="fuzz")[0].sid
    called_in = client.conferences(conference).participants.create(
        from_=CENTER, to=someone(), label="agent"
    )
    live(called_in.call_sid, "conference-joined")
    queue = "<Response><Enqueue>fuzz</Enqueue></Response>"
    waiting = live(client.calls.create(to=someone(), from_=CENTER, twiml=queue).sid, "enqueued")
    talk = "<Response><Pause length='600'/></Response>"
    recorded = client.calls.create(to=someone(), from_=CENTER, twiml=talk, record=True).sid
    live(recorded, "recording-started")
    client.calls(recorded).recordings.create()
    ended = client.calls.create(to="+15550001000", from_=CENTER, twiml="<Response/>").sid
    recordings = [r.sid for r in client.recordings.list()]
    return {
        "Calls": [in_room.sid, called_in.call_sid, waiting, recorded, ended],
        "Conferences": [conference],
        "Participants": [in_room.sid, called_in.call_sid, "agent"],
        "Queues": [q.sid for q in client.queues.list()],
        "Members": [waiting, "Front"],
        "Recordings": recordings,
        "IncomingPhoneNumbers": [n.sid for n in client.incoming_phone_numbers.list()],
        "OutgoingCallerIds": [n.sid for n in client.outgoing_caller_ids.list()],
    }


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[SimulatorProcess]:
    """A simulator of its own: the run hangs up, ends and deletes what it finds."""
    process = start_simulator(
        *("--speed", "100", "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN),
        *("--number", CENTER, "--caller-id", VERIFIED),
    )
    yield process
    process.stop()


def path_values(path: str, known: dict[str, list[str]]) -> dict[str, st.SearchStrategy]:
    """For each SID in ``path`` (the account aside), the known SIDs it may name."""
    strategies = {}
    for segment, name in re.findall(r"/(\w+)/\{(\w+)\}", path):
        if name != "AccountSid" and known.get(segment):
            strategies[name] = st.sampled_from(known[segment])
    return strategies


def test_the_uri_exception_covers_the_list_pages_only() -> None:
    spec = json.loads(SPEC.read_text())
    lists = [
        path for path, ops in spec["paths"].items() if "get" in ops and not path.endswith("}.json")
    ]
    assert page_uris_as_twilio_answers(spec) == len(PAGE_URI_FIELDS) * len(lists)


@pytest.mark.timeout(300)
def test_twilios_description_holds_for_every_operation_voicesim_serves(
    fuzzed: SimulatorProcess,
) -> None:
    spec = json.loads(SPEC.read_text())
    page_uris_as_twilio_answers(spec)
    schema = schemathesis.openapi.from_dict(spec)
    known = seed(fuzzed.base_url)
    operations = claimed_operations(schema)
    # all 45 but the Notifications and the numbers' create, update and delete
    assert len(operations) == 37, [op.label for op in operations]
    first_failure: dict[str, str] = {}
    answered: dict[int, int] = {}

    @for_each_operation(EXAMPLES_PER_OPERATION)
    def answered_as_described(case: Any, operation: Any, data: st.DataObject) -> None:
        case.path_parameters["AccountSid"] = ACCOUNT_SID
        for name, values in path_values(operation.path, known).items():
            if data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(values)
        try:
            response = case.call_and_validate(
                base_url=fuzzed.base_url, auth=(ACCOUNT_SID, AUTH_TOKEN), checks=CHECKS
            )
            answered[response.status_code] = answered.get(response.status_code, 0) + 1
        except FailureGroup as failure:
            first_failure.setdefault(operation.label, described(failure))

    for operation in operations:
        answered_as_described(operation=operation)

    assert not first_failure, "\n\n".join(f"{k}: {v}" for k, v in first_failure.items())
    successes = sum(count for status, count in answered.items() if status < 300)
    assert successes >= len(operations), answered  # the successful answers were checked too
