import pytest
from django.db import connection

from tests.support.database import database_unreachable

pytestmark = pytest.mark.django_db


def test_health_reports_database_and_broker(client, settings):
    response = client.get("/healthz")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] is True
    engine = settings.DATABASES["default"]["ENGINE"]
    expected_vendor = "postgresql" if "postgres" in engine else "sqlite"
    assert body["database"] == expected_vendor
    assert body["broker"] == settings.CELERY_BROKER_URL.split(":", 1)[0]


def test_health_names_a_down_broker_without_its_address(client, monkeypatch):
    from callcenter.celery import app

    monkeypatch.setattr(app.conf, "broker_write_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert b"127.0.0.1" not in response.content


@pytest.mark.django_db(transaction=True)
def test_health_names_a_down_database_without_the_drivers_error(client, caplog):
    database_name = connection.settings_dict["NAME"]
    with database_unreachable():
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert (body["ok"], body["database"]) == (False, "down")
    assert body["broker"] != "down"
    assert database_name not in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()
    assert "database down" in caplog.text
