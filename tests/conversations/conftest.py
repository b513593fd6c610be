"""The role clients the conversations' screens are tried with, and the queues' records
(a queue, its agents) that a transfer's pickers offer."""

from tests.queues.conftest import make_agent, queue, survey  # noqa: F401  fixtures
from tests.support.admin_clients import admin_as, supervisor, viewer  # noqa: F401  fixtures
