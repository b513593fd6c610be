"""The role clients the conversations' screens are tried with."""

from tests.support.admin_clients import admin_as, supervisor, viewer  # noqa: F401  fixtures
