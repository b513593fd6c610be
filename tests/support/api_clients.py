"""The API's token clients, by role."""

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


def live_api_client(live_server, group: str | None, **kwargs) -> httpx.Client:
    """An HTTP client of the running product's API, as an outside system calls it, with
    the token of a new member of `group`; close it (use it in a `with`)."""
    token = Token.objects.create(user=member_of(group, **kwargs))
    return httpx.Client(
        base_url=f"{live_server.url}/api/v1/",
        headers={"Authorization": f"Token {token.key}"},
        timeout=10,
    )
