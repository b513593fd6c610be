"""The demo's data: what `bin/demo` seeds must be there, and seeding twice changes nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from campaigns.models import Campaign, Contact
from queues.models import Agent, InboundNumber, Queue, SurveyQuestion

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Queue, InboundNumber, Agent, SurveyQuestion, Campaign, Contact)
    }


def test_seed_demo_creates_logins_a_queue_and_a_campaign_once(client):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")

    assert counts() == first
    assert first == {
        "Queue": 1,
        "InboundNumber": 1,
        "Agent": 3,
        "SurveyQuestion": 2,
        "Campaign": 1,
        "Contact": 4,
    }
    assert sorted(Agent.objects.values_list("endpoint_kind", "status")) == [
        ("client", "offline"),
        ("number", "available"),
        ("sip", "available"),
    ]
    assert client.login(username="supervisor", password="supervisor")
    assert client.get("/admin/").status_code == 200
    assert client.login(username="viewer", password="viewer")
    assert client.login(username="admin", password="admin")


def test_each_demo_login_has_its_role_and_only_admin_is_a_superuser(db):
    call_command("seed_demo")

    roles = {
        user.username: (user.is_superuser, list(user.groups.values_list("name", flat=True)))
        for user in get_user_model().objects.all()
    }
    assert roles == {
        "admin": (True, []),
        "supervisor": (False, ["Supervisors"]),
        "viewer": (False, ["Viewers"]),
    }


def test_the_supervisor_sees_what_the_supervisors_group_may_do(client):
    call_command("seed_demo")
    client.login(username="supervisor", password="supervisor")

    assert client.get("/admin/console/board/").status_code == 200
    assert client.get("/admin/campaigns/campaign/add/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403


def test_a_demo_seeded_with_a_superuser_supervisor_is_put_right(db):
    supervisor = get_user_model().objects.create_superuser("supervisor", password="supervisor")

    call_command("seed_demo")

    supervisor.refresh_from_db()
    assert not supervisor.is_superuser
    assert list(supervisor.groups.values_list("name", flat=True)) == ["Supervisors"]
