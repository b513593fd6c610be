"""A viewer sees no button, link or action they may not use, and whoever is refused
gets a page of the back office that says why, not a bare 403."""

import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from calls.models import Call
from campaigns.models import Campaign

pytestmark = pytest.mark.django_db

WRITE_LINKS = (">Import contacts<", ">Import a CSV<", "Place a call", "addlink")


@pytest.fixture
def demo(db) -> Campaign:
    """The demo's data; its campaign."""
    call_command("seed_demo")
    return Campaign.objects.get()


def action_choices(html: str) -> list[str]:
    select = re.search(r'<select name="action".*?</select>', html, re.S)
    return re.findall(r'<option value="(\w+)"', select.group(0)) if select else []


def readable_models(client):
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        if response.status_code == 200:
            yield model, response.content.decode()


def test_a_viewer_gets_no_write_action_and_no_import_on_any_list(demo, viewer):
    seen = dict(readable_models(viewer))

    assert {model._meta.model_name for model in seen} >= {"call", "campaign", "donotcall", "agent"}
    for model, html in seen.items():
        assert action_choices(html) == [], model
        assert not any(link in html for link in WRITE_LINKS), model


def test_a_viewer_gets_no_import_on_a_campaign_page(demo, viewer, supervisor):
    url = reverse("admin:campaigns_campaign_change", args=[demo.pk])

    assert "Import contacts" not in viewer.get(url).content.decode()
    assert "Import contacts" in supervisor.get(url).content.decode()


def test_a_supervisor_still_gets_the_campaign_actions(demo, supervisor):
    html = supervisor.get(reverse("admin:campaigns_campaign_changelist")).content.decode()

    assert action_choices(html) == ["start", "pause", "resume", "cancel"]


def test_a_refusal_is_a_page_of_the_back_office_that_says_why(demo, viewer):
    response = viewer.get(reverse("admin:campaigns_campaign_upload", args=[demo.pk]))

    html = response.content.decode()
    assert response.status_code == 403
    assert "Call center back office" in html
    assert "Importing contacts needs the right to change campaigns." in html
    assert f"signed in as <strong>{viewer.user.username}</strong>, a member of Viewers" in html


def test_a_viewer_posting_a_board_action_is_told_only_supervisors_act(demo, viewer):
    call = Call.objects.create(direction="inbound", to_number="+14155550100", status="in-progress")
    action = reverse("admin:console_call_action", args=[call.pk, "hang-up"])

    response = viewer.post(action)

    assert response.status_code == 403
    assert "Only Supervisors act on live calls" in response.content.decode()


def test_a_page_of_django_itself_refused_still_says_who_is_asking(demo, supervisor):
    response = supervisor.get(reverse("admin:auth_user_changelist"))

    html = response.content.decode()
    assert response.status_code == 403
    assert "Your role does not allow this page or this action." in html
    assert "a member of Supervisors" in html


def test_view_site_leads_to_the_dashboard(viewer):
    index = viewer.get(reverse("admin:index")).content.decode()
    site_link = re.search(r'<a href="([^"]*)">View site</a>', index).group(1)

    assert viewer.get(site_link, follow=True).redirect_chain == [(reverse("admin:index"), 302)]
