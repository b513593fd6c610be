"""The admin's browser clients, by role."""

import pytest
from django.test import Client

from tests.api.records import member_of


@pytest.fixture
def admin_as(db):
    """`admin_as("Supervisors")`: a browser logged in to the admin as a new staff
    member of that group."""

    def client_for(group: str) -> Client:
        client = Client()
        client.user = member_of(group, staff=True)
        client.force_login(client.user)
        return client

    return client_for


@pytest.fixture
def supervisor(admin_as) -> Client:
    return admin_as("Supervisors")


@pytest.fixture
def viewer(admin_as) -> Client:
    return admin_as("Viewers")
