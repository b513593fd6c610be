"""The API's token clients, by role."""

import contextlib

import httpx
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.records import member_of


@pytest.fixture
def api_as(db):
    """`api_as("Viewers")`: a client authenticated with the token of a new member
    of that group (None: a user in no group)."""

    def client_for(group: str | None, **kwargs) -> APIClient:
        user = member_of(group, **kwargs)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        client.user = user
        return client

    return client_for


@pytest.fixture
def viewer(api_as) -> APIClient:
    return api_as("Viewers")


@pytest.fixture
def integration(api_as) -> APIClient:
    return api_as("Integrations")


@pytest.fixture
def supervisor(api_as) -> APIClient:
    return api_as("Supervisors")


@pytest.fixture
def live_api_as(live_server, stack):
    """`live_api_as("Supervisors")`: an HTTP client of the running product's API with
    the token of a new member of that group, as an outside system calls it; closed
    when the test ends."""
    with contextlib.ExitStack() as clients:

        def client_for(group: str | None, **kwargs) -> httpx.Client:
            token = Token.objects.create(user=member_of(group, **kwargs))
            return clients.enter_context(
                httpx.Client(
                    base_url=f"{live_server.url}/api/v1/",
                    headers={"Authorization": f"Token {token.key}"},
                    timeout=10,
                )
            )

        yield client_for
