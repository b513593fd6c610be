import pytest

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


def test_health_fails_when_broker_is_down(client, monkeypatch):
    from callcenter.celery import app

    monkeypatch.setattr(app.conf, "broker_write_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
