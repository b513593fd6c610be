"""An agent's endpoint is kept the way Dial needs it, or refused naming the field."""

import pytest

from calls.exceptions import RuleViolation
from queues import rules
from queues.models import EndpointKind


@pytest.mark.parametrize(
    ("kind", "written", "kept"),
    [
        (EndpointKind.NUMBER, "(415) 555-1212", "+14155551212"),
        (EndpointKind.CLIENT, "client:alice", "alice"),
        (EndpointKind.SIP, " sip:bob@example.com ", "sip:bob@example.com"),
    ],
)
def test_endpoints_are_normalised(kind, written, kept):
    assert rules.agent_endpoint(kind, written) == kept


@pytest.mark.parametrize(
    ("kind", "written", "field"),
    [
        (EndpointKind.NUMBER, "call me", "endpoint"),
        (EndpointKind.SIP, "bob@example.com", "endpoint"),
        (EndpointKind.CLIENT, "alice smith", "endpoint"),
        ("pager", "1234", "endpoint_kind"),
    ],
)
def test_bad_endpoints_are_refused_naming_the_field(kind, written, field):
    with pytest.raises(RuleViolation) as refused:
        rules.agent_endpoint(kind, written)
    assert refused.value.field == field
