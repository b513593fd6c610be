"""The campaign's page as a supervisor and a viewer use it: buttons for the moves
its state allows, the live panel's JSON in words, calling days as checkboxes,
and each contact's attempts; the contacts named by name and number."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from callcenter import formats
from campaigns.models import Campaign
from campaigns.services import lifecycle
from tests.api.records import member_of

from .factories import campaign, with_contacts
from .test_admin_and_answer import campaign_form
from .test_dialer import dial, end_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminders() -> Campaign:
    target = campaign()
    with_contacts(target, "+12125550101,Ann", "+12125550102,Bob")
    return target


def page_of(client, target: Campaign) -> str:
    answer = client.get(reverse("admin:campaigns_campaign_change", args=[target.pk]))
    assert answer.status_code == 200
    return answer.content.decode()


def run(client, target: Campaign, action: str, **kwargs):
    url = reverse("admin:campaigns_campaign_run", args=[target.pk, action])
    return client.post(url, **kwargs)


def shown_buttons(page: str) -> set[str]:
    """The moves whose button the page shows (the others are drawn hidden)."""
    return {
        action
        for action in ("start", "pause", "resume", "cancel")
        if f'data-run="{action}">' in page
    }


def test_the_page_shows_only_the_moves_its_state_allows(supervisor, reminders):
    assert shown_buttons(page_of(supervisor, reminders)) == {"start"}
    lifecycle.start(reminders.pk)
    assert shown_buttons(page_of(supervisor, reminders)) == {"pause", "cancel"}
    lifecycle.pause(reminders.pk)
    assert shown_buttons(page_of(supervisor, reminders)) == {"resume", "cancel"}
    lifecycle.cancel(reminders.pk)
    assert shown_buttons(page_of(supervisor, reminders)) == set()


def test_a_viewer_sees_the_progress_but_no_button_and_a_forged_post_changes_nothing(
    viewer, reminders
):
    page = page_of(viewer, reminders)
    assert "Not started yet: start it to dial." in page
    assert "data-run=" not in page
    refused = run(viewer, reminders, "start")
    assert refused.status_code == 403
    assert "is for Supervisors" in refused.content.decode()
    assert Campaign.objects.get(pk=reminders.pk).state == "draft"


def test_a_button_runs_the_move_and_says_what_was_done_to_which_campaign(supervisor, reminders):
    answer = run(supervisor, reminders, "start", follow=True)
    assert answer.redirect_chain[-1][0] == reverse(
        "admin:campaigns_campaign_change", args=[reminders.pk]
    )
    assert "Started the campaign “Reminders”." in answer.content.decode()
    assert Campaign.objects.get(pk=reminders.pk).state == "running"

    refused = run(supervisor, reminders, "resume", follow=True).content.decode()
    assert "“Reminders” was not resumed: Cannot resume a campaign that is running" in refused
    assert Campaign.objects.get(pk=reminders.pk).state == "running"


def test_cancel_asks_first_and_only_the_confirmation_cancels(supervisor, reminders):
    lifecycle.start(reminders.pk)
    url = reverse("admin:campaigns_campaign_run", args=[reminders.pk, "cancel"])
    question = supervisor.get(url).content.decode()
    assert "Cancel campaign “Reminders”?" in question
    assert "the contacts still waiting end as canceled" in question
    assert Campaign.objects.get(pk=reminders.pk).state == "running"
    answer = supervisor.post(url, follow=True).content.decode()
    assert "Canceled the campaign “Reminders”." in answer
    assert Campaign.objects.get(pk=reminders.pk).state == "canceled"


def test_an_unknown_move_is_not_found(supervisor, reminders):
    assert run(supervisor, reminders, "explode").status_code == 404


@pytest.mark.postgres
def test_the_live_panel_speaks_in_labels_and_counts(viewer, reminders):
    lifecycle.start(reminders.pk)
    end_call(dial(reminders).call, "no-answer")
    url = reverse("admin:campaigns_campaign_status", args=[reminders.pk])
    status = viewer.get(url).json()
    assert (status["state_label"], status["actions"]) == ("Running", ["pause", "cancel"])
    assert status["summary"] == "0 of 2 contacts done; 0 on the phone, 2 waiting"
    assert status["rate"].endswith("calls/s over the last minute; 1 attempt in all")
    assert status["outcomes"] == [{"outcome": "no-answer", "label": "No answer", "count": 1}]
    lifecycle.cancel(reminders.pk)
    status = viewer.get(url).json()
    assert status["outcomes"] == [{"outcome": "canceled", "label": "Canceled", "count": 2}]
    assert status["now"] == "Not dialing: Canceled: it dials no more."
    assert status["actions"] == []


def test_times_read_as_everywhere_in_the_back_office(supervisor, reminders):
    lifecycle.start(reminders.pk)
    call = dial(reminders).call
    end_call(call, "busy")
    lifecycle.cancel(reminders.pk)
    reminders.refresh_from_db()

    page = page_of(supervisor, reminders)
    listing = supervisor.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    status = supervisor.get(reverse("admin:campaigns_campaign_status", args=[reminders.pk]))

    assert formats.moment(reminders.started_at) in page
    assert formats.moment(reminders.finished_at) in page
    assert f"{formats.moment(call.campaign_attempt.created_at)}, Busy" in page
    assert formats.moment(reminders.created_at) in listing
    assert re.fullmatch(r"\d\d:\d\d:\d\d", status.json()["at"])
    for html in (page, listing):
        assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", html)


def change(client, target: Campaign, **fields):
    url = reverse("admin:campaigns_campaign_change", args=[target.pk])
    return client.post(url, campaign_form(name=target.name, **fields))


def ticked_days(page: str) -> list[str]:
    return re.findall(r'name="window_days" value="(\d)"[^>]* checked', page)


def test_calling_days_are_checkboxes_and_none_ticked_is_a_form_error(supervisor, reminders):
    new = supervisor.get(reverse("admin:campaigns_campaign_add")).content.decode()
    assert new.count('type="checkbox" name="window_days"') == 7
    assert ticked_days(new) == list("12345")  # the model's default: Monday to Friday
    change(supervisor, reminders, window_days=["6", "7", "1"])
    assert Campaign.objects.get(pk=reminders.pk).window_days == "167"
    assert ticked_days(page_of(supervisor, reminders)) == list("167")

    refused = change(supervisor, reminders, window_days=[])
    assert refused.status_code == 200
    assert "Pick at least one calling day." in refused.content.decode()
    assert Campaign.objects.get(pk=reminders.pk).window_days == "167"


@pytest.mark.postgres
def test_each_contacts_attempts_are_listed_with_their_call_on_both_pages(supervisor, reminders):
    lifecycle.start(reminders.pk)
    first = dial(reminders).call
    end_call(first, "busy")
    ann = reminders.contacts.get(phone_number="+12125550101")
    call_link = reverse("admin:calls_call_change", args=[first.pk])

    campaign_page = page_of(supervisor, reminders)
    assert "Ann (+1 212-555-0101)" in campaign_page
    assert "Bob (+1 212-555-0102)" in campaign_page
    assert f'Busy, <a href="{call_link}">call</a>' in campaign_page

    contact_url = reverse("admin:campaigns_contact_change", args=[ann.pk])
    contact_page = supervisor.get(contact_url).content.decode()
    assert "Ann (+1 212-555-0101)" in contact_page  # the heading and breadcrumbs
    assert f'<td>Busy</td><td><a href="{call_link}">call</a></td>' in contact_page

    listing = supervisor.get(reverse("admin:campaigns_contact_changelist")).content.decode()
    assert '<span class="party-name">Ann</span>' in listing  # above its number
    assert ">+1 212-555-0101</span>" in listing


def test_the_campaign_page_pages_through_many_contacts(supervisor):
    target = campaign()
    with_contacts(
        target, *(f"+1212555{n:04},Person {n}" for n in range(30)), header="phone_number,name"
    )
    first = page_of(supervisor, target)
    assert "Contacts 1 to 25 of 30" in first
    assert "Person 24 (" in first and "Person 25 (" not in first
    url = reverse("admin:campaigns_campaign_change", args=[target.pk])
    second = supervisor.get(url, {"contacts-page": 2}).content.decode()
    assert "Contacts 26 to 30 of 30" in second
    assert "Person 25 (+1 212-555-0025)" in second


def test_the_live_panel_is_for_those_who_may_view_campaigns(reminders):
    client = Client()
    client.force_login(member_of(None, staff=True))
    url = reverse("admin:campaigns_campaign_status", args=[reminders.pk])
    refused = client.get(url)
    assert refused.status_code == 403
    assert "Reminders" not in refused.content.decode()
