"""Records for the recordings tests: policies, and recordings of live calls as
the services and Twilio's callbacks leave them."""

from __future__ import annotations

import itertools

import pytest

from calls.models import Call
from recordings.models import Recording, RecordingMode, RecordingPolicy, RecordingStatus
from recordings.services import recording_policy_create
from tests.queues.conftest import live_call
from tests.queues.test_e2e import support  # noqa: F401 (the e2e queue)
from tests.support.admin_clients import admin_as  # noqa: F401 (roles)
from tests.support.api_clients import api_as  # noqa: F401 (roles)

_sids = itertools.count(1)


def new_recording_sid() -> str:
    return f"RE{next(_sids):032x}"


@pytest.fixture
def policy(db) -> RecordingPolicy:
    return recording_policy_create(
        name="Card payments",
        mode=RecordingMode.FROM_ANSWER,
        announcement="This call is recorded.",
        retention_days=30,
    )


def recording_of(call: Call | None = None, **fields) -> Recording:
    """A recording as Twilio's callbacks leave it (recording, unless told otherwise)."""
    return Recording.objects.create(
        call=call or live_call(),
        sid=fields.pop("sid", new_recording_sid()),
        status=fields.pop("status", RecordingStatus.IN_PROGRESS),
        retention_days=fields.pop("retention_days", 30),
        **fields,
    )
