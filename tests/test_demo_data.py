"""The demo's data: what `bin/demo` seeds must be there, and seeding twice changes nothing."""

import pytest
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
