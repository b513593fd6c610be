"""A database outage answers 503 JSON with Retry-After and logs one line per request."""

import logging

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.api.records import member_of
from tests.support.database import (
    backend_pid,
    database_unreachable,
    terminate,
    wait_until_ended,
)
from tests.support.twilio_requests import post_as_twilio, status_params

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def token() -> str:
    return Token.objects.create(user=member_of("Integrations")).key


def assert_unavailable(response, caplog) -> None:
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "database_unavailable"
    errors = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(errors) == 1, [record.getMessage() for record in errors]
    assert "\n" not in errors[0].getMessage()
    assert errors[0].exc_info is None


@pytest.mark.parametrize("path", ["/api/v1/calls/", "/api/v1/campaigns/", "/api/v1/queues/"])
def test_the_api_answers_503_json_during_a_database_outage(token, caplog, path):
    client = Client(headers={"Authorization": f"Token {token}"})
    with database_unreachable():
        caplog.clear()
        response = client.get(path)

    assert_unavailable(response, caplog)


def test_a_status_callback_answers_503_json_during_a_database_outage(caplog, settings):
    settings.PUBLIC_BASE_URL = "https://callcenter.example.com"
    params = status_params("CA" + "1" * 32, "ringing", 1)
    with database_unreachable():
        caplog.clear()
        response = post_as_twilio(Client(), "/twilio/status", params)

    assert_unavailable(response, caplog)


def test_the_api_answers_again_once_the_database_is_back(token):
    client = Client(headers={"Authorization": f"Token {token}"})
    with database_unreachable():
        client.get("/api/v1/calls/")

    assert client.get("/api/v1/calls/").status_code == 200


@pytest.mark.postgres
def test_a_connection_dying_mid_request_answers_503_and_the_next_request_succeeds(token, caplog):
    client = Client(headers={"Authorization": f"Token {token}"})
    client.get("/api/v1/calls/")  # the connection is open and proven

    def end_own_connection_before_listing_calls(execute, sql, params, many, context):
        if '"calls_call"' in sql and not ended:
            ended.append(backend_pid())
            terminate(ended[0])
            wait_until_ended(ended[0])
        return execute(sql, params, many, context)

    ended: list[int] = []
    caplog.clear()
    with connection.execute_wrapper(end_own_connection_before_listing_calls):
        response = client.get("/api/v1/calls/")
    assert_unavailable(response, caplog)

    connection.close_if_unusable_or_obsolete()  # what the server does after a request
    assert client.get("/api/v1/calls/").status_code == 200
