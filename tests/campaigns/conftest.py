"""Fixtures of the campaigns tests: a planner on the API, a superuser, a
supervisor and a viewer in the admin (Chromium's `open_page` is the
`tests.support.browser` plugin's), and tasks run at the
commit as a worker would."""

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient

from callcenter.celery import app as celery_app
from tests.support.admin_clients import admin_as, supervisor, viewer  # noqa: F401  fixtures


@pytest.fixture
def api(db) -> APIClient:
    """The API as a user holding every campaigns permission."""
    user = User.objects.create_user("planner")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="campaigns"))
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "pw"))
    return client


@pytest.fixture
def worker_at_commit(monkeypatch, django_capture_on_commit_callbacks):
    """`with worker_at_commit(): upload…`: the tasks handed over at the commit run
    there and then, in this process, as a worker would run them."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    return lambda: django_capture_on_commit_callbacks(execute=True)
