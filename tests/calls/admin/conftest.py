"""Admin pages as each role sees them."""

from tests.support.admin_clients import admin_as, supervisor, viewer  # noqa: F401
