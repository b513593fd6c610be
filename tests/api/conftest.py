"""The API as each role uses it."""

from tests.support.api_clients import api_as, integration, supervisor, viewer  # noqa: F401
