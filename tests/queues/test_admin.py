"""The supervisors' admin pages for queues, agents and surveys."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from calls.models import Redirect, Source
from queues import services
from queues.models import Agent, AgentStatus, EntryStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_queues_list_waiting_callers_and_their_wait(admin_client, queue, caller, make_agent):
    make_agent("Ann")
    entry = caller("+14155550177")

    listing = admin_client.get(reverse("admin:queues_queue_changelist")).content.decode()
    page = admin_client.get(reverse("admin:queues_queue_change", args=[queue.pk]))

    assert 'class="field-waiting">1<' in listing
    assert 'class="field-agents_available">1<' in listing
    assert page.status_code == 200
    assert "+1 415-555-0177" in page.content.decode()
    # waited a few seconds, written as every duration is: "0:03"
    assert re.search(r'field-waited">\s*<p>0:0\d</p>', page.content.decode())
    assert entry.status == EntryStatus.WAITING
    assert "/twilio/queues/voice" in page.content.decode()


def test_taking_a_caller_off_hold_to_the_chosen_agent(admin_client, queue, caller, make_agent):
    make_agent("Ann")
    bob = make_agent("Bob")
    entry = caller()

    response = admin_client.post(
        reverse("admin:queues_queueentry_changelist"),
        {"action": "take_off_hold", "agent": bob.pk, helpers.ACTION_CHECKBOX_NAME: [entry.pk]},
        follow=True,
    )

    assert "Taken off hold" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.status, entry.agent) == (EntryStatus.OFFERED, bob)
    assert Redirect.objects.get(call=entry.call).origin == Source.ADMIN


def test_a_refused_action_is_reported(admin_client, queue, caller, make_agent):
    entry = caller()
    resting = make_agent("Ann", available=False)

    def take_off_hold(**chosen):
        return admin_client.post(
            reverse("admin:queues_queueentry_changelist"),
            {"action": "take_off_hold", helpers.ACTION_CHECKBOX_NAME: [entry.pk], **chosen},
            follow=True,
        ).content.decode()

    assert "No agent of Support is available" in take_off_hold()
    assert "Ann is signed out, not available" in take_off_hold(agent=resting.pk)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WAITING


def test_agents_endpoints_are_checked_and_agents_signed_in(admin_client, queue):
    add = reverse("admin:queues_agent_add")
    form = {
        "name": "Ann",
        "endpoint_kind": "number",
        "endpoint": "(415) 555-1212",
        "wrap_up_seconds": 30,
        "ring_timeout": 20,
        "queues": [queue.pk],
    }

    bad = admin_client.post(add, {**form, "endpoint_kind": "sip", "endpoint": "ann"})
    assert "sip:alice@example.com" in bad.content.decode()
    admin_client.post(add, form)
    ann = Agent.objects.get()
    assert (ann.endpoint, ann.status) == ("+14155551212", AgentStatus.OFFLINE)

    admin_client.post(
        reverse("admin:queues_agent_changelist"),
        {"action": "sign_in", helpers.ACTION_CHECKBOX_NAME: [ann.pk]},
    )
    ann.refresh_from_db()
    assert ann.status == AgentStatus.AVAILABLE


def test_survey_responses_show_averages_per_agent_and_queue(
    admin_client, queue, caller, make_agent, survey
):
    entry = services.take_off_hold(caller(), agent=make_agent("Ann"))
    services.record_dial_ended(entry.pk, offer=1, dial_status="completed")
    services.record_survey_answer(entry.call, survey.questions.get(position=1), "4")

    page = admin_client.get(reverse("admin:queues_surveyresponse_changelist")).content.decode()

    assert "Average rating per agent" in page
    assert "<td>Ann</td><td>4.0</td><td>1</td>" in page
    assert "<td>Support</td><td>4.0</td><td>1</td>" in page
    survey_page = admin_client.get(reverse("admin:queues_survey_change", args=[survey.pk]))
    assert "How was your call?" in survey_page.content.decode()


def test_queue_settings_are_checked_and_numbers_kept_in_e164(admin_client, queue):
    change = reverse("admin:queues_queue_change", args=[queue.pk])
    page = admin_client.get(change)
    form = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None
    }
    form.update(
        {
            "numbers-TOTAL_FORMS": 1,
            "numbers-INITIAL_FORMS": 0,
            "numbers-0-phone_number": "(415) 555-9000",
            "entries-TOTAL_FORMS": 0,
            "entries-INITIAL_FORMS": 0,
        }
    )

    refused = admin_client.post(change, {**form, "overflow_action": "voicemail"})
    assert "Overflow to voicemail needs the voicemail URL." in refused.content.decode()
    assert not queue.numbers.exists()

    saved = admin_client.post(change, form)
    assert saved.status_code == 302, saved.content.decode()
    assert list(queue.numbers.values_list("phone_number", flat=True)) == ["+14155559000"]
