"""Every list and page names a call by its parties and its time: the SID is a
detail on the call's page, with a button to copy it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from callcenter import formats
from tests.support.floor_records import AGENT_NAME, CONTACT_NAME, LINE_LABEL, a_busy_floor

pytestmark = pytest.mark.django_db

CALLER = "+49 1512 3456789"
LINE = f"{LINE_LABEL} (+44 20 7946 0958)"


@pytest.fixture
def floor():
    return a_busy_floor(callers=1)


@pytest.mark.parametrize(
    "model", ["calls_call", "queues_queueentry", "calls_redirect", "queues_surveyresponse"]
)
def test_a_list_names_callers_by_number_and_name_not_sid(supervisor, floor, model):
    page = supervisor.get(reverse(f"admin:{model}_changelist")).content.decode()

    assert CALLER in page
    assert floor.answered.sid not in page
    assert floor.leg.sid not in page


def test_the_calls_list_shows_names_durations_and_who_handled_each(supervisor, floor):
    page = supervisor.get(reverse("admin:calls_call_changelist")).content.decode()

    assert LINE_LABEL in page  # our number, by its label
    assert AGENT_NAME in page  # the agent's leg, and who answered the caller
    assert CONTACT_NAME in page  # the campaign's contact
    assert "1:02:05" in page  # the caller's 3725 s
    assert formats.moment(floor.answered.created_at) in page


def test_a_calls_page_is_titled_by_its_parties_with_the_sid_to_copy(supervisor, floor):
    call = floor.answered
    url = reverse("admin:calls_call_change", args=[call.pk])

    page = supervisor.get(url).content.decode()

    label = f"{CALLER} → {LINE} · {formats.moment(call.created_at)}"
    assert f"<title>Call {label} | Call center</title>" in page
    assert re.search(rf"&rsaquo; {re.escape(label)}\s*</div>", page)  # the breadcrumb
    assert f'data-copy="{call.sid}"' in page
    assert '<ol class="timeline" id="call-timeline">' in page
    assert f"Leg dialed to {AGENT_NAME}" in page  # the timeline
    assert re.search(rf'field-dialed">\s*<p>{AGENT_NAME} \(sip:', page)  # the legs
    assert '<details class="raw-parameters"><summary>3 parameters</summary>' in page


def test_the_timeline_page_is_headed_by_the_calls_parties(supervisor, floor):
    call = floor.answered

    page = supervisor.get(reverse("admin:console_call_timeline", args=[call.pk])).content.decode()

    assert f"<h1>Call {CALLER} → {LINE} · " in page
