"""The role clients the conversations' screens and API are tried with."""

from tests.support.admin_clients import admin_as, supervisor, viewer  # noqa: F401  fixtures
from tests.support.api_clients import live_api_as  # noqa: F401  fixtures
