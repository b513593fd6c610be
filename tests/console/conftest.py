"""The console's tests: people in the core's groups logged in to the admin, and the
queues' records (a queue with a survey, agents, callers on hold) made through services."""

import pytest

from tests.queues.conftest import caller, make_agent, queue, survey  # noqa: F401  fixtures
from tests.queues.test_e2e import support  # noqa: F401  fixture: a queue on voicesim's number
from tests.support.admin_clients import admin_as, supervisor, viewer  # noqa: F401  fixtures


@pytest.fixture(autouse=True)
def no_wait_for_twilio(settings):
    """No worker runs in most of these tests: the board reports actions as under way
    at once instead of waiting for an outcome that cannot come."""
    settings.CONSOLE_ACTION_WAIT_SECONDS = 0
