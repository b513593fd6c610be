"""The API's role clients, for end-to-end tests that act as an integration does."""

from tests.support.api_clients import api_as, integration  # noqa: F401
