"""The admin pages (progress bars, actions, CSV import) and the signed answer URL."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from twilio.request_validator import RequestValidator

from campaigns.forms import CampaignForm
from campaigns.models import Campaign, DoNotCall
from campaigns.services import lifecycle
from queues.models import Queue

from .factories import campaign, with_contacts

pytestmark = pytest.mark.django_db


def test_changelist_and_change_page_show_progress_bars(admin_client):
    target = campaign()
    with_contacts(target, "+12125550101,Ann")
    listing = admin_client.get(reverse("admin:campaigns_campaign_changelist"))
    assert listing.status_code == 200
    assert b"<progress" in listing.content
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[target.pk]))
    assert page.status_code == 200
    assert b"<progress" in page.content
    assert b"0 of 1" in page.content


def test_admin_actions_move_campaigns_and_report_refusals(admin_client):
    target = campaign()
    with_contacts(target, "+12125550101,Ann")
    url = reverse("admin:campaigns_campaign_changelist")
    admin_client.post(url, {"action": "start", "_selected_action": [target.pk]})
    assert Campaign.objects.get(pk=target.pk).state == "running"
    answer = admin_client.post(
        url, {"action": "resume", "_selected_action": [target.pk]}, follow=True
    )
    assert "Cannot resume a campaign that is running" in answer.content.decode()


def test_admin_import_shows_each_rejected_row(admin_client, worker_at_commit):
    target = campaign()
    file = SimpleUploadedFile("c.csv", b"phone_number\n2125550101\nnope\n", "text/csv")
    with worker_at_commit():
        queued = admin_client.post(
            reverse("admin:campaigns_campaign_upload", args=[target.pk]), {"file": file}
        )
    page = admin_client.get(queued["Location"])
    text = page.content.decode()
    assert "Done" in text
    assert "<td>3</td><td>nope</td>" in text
    assert target.contacts.count() == 1


def campaign_form(**fields) -> dict:
    return {
        "name": "Flu shots",
        "caller_id": "(415) 555-0100",
        "content_kind": "message",
        "message": "Hi",
        "answer_method": "POST",
        "if_machine": "none",
        "timeout": 60,
        "calls_per_second": 1,
        "max_concurrent_calls": 1,
        "time_zone": "UTC",
        "window_days": list("12345"),
        "window_start": "09:00",
        "window_end": "17:00",
        **{f"{r}_max_attempts": 1 for r in ("busy", "no_answer", "failed", "machine")},
        **{f"{r}_retry_delay": 1 for r in ("busy", "no_answer", "failed", "machine")},
        **fields,
    }


def test_admin_adds_a_campaign_through_the_services(admin_client):
    admin_client.post(reverse("admin:campaigns_campaign_add"), campaign_form())
    created = Campaign.objects.get()
    assert (created.caller_id, created.state, created.created_by.username) == (
        "+14155550100",
        "draft",
        "boss",
    )


def test_admin_form_puts_rule_errors_on_their_field(admin_client):
    page = admin_client.post(reverse("admin:campaigns_campaign_add"), campaign_form(caller_id="xx"))
    assert page.status_code == 200
    assert "not a phone number" in page.content.decode()
    assert not Campaign.objects.exists()


def test_admin_form_asks_an_agent_campaign_for_its_queue(admin_client):
    page = admin_client.post(
        reverse("admin:campaigns_campaign_add"), campaign_form(content_kind="agent")
    )
    assert page.status_code == 200
    errors = page.context["adminform"].form.errors
    assert list(errors) == ["queue"]
    assert "needs its queue" in errors["queue"][0]
    assert not Campaign.objects.exists()


def test_admin_dnc_import(admin_client, worker_at_commit):
    file = SimpleUploadedFile("d.csv", b"prefix,reason\n+1900,premium\n", "text/csv")
    with worker_at_commit():
        admin_client.post(reverse("admin:campaigns_donotcall_upload"), {"file": file})
    assert DoNotCall.objects.get().value == "+1900"


def signed_post(client, path: str, params: dict):
    url = settings.PUBLIC_BASE_URL + path
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(url, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_the_answer_url_says_the_message_or_the_voicemail_with_the_contacts_variables(client):
    target = campaign(if_machine="continue", voicemail_message="Call us back, $first_name.")
    with_contacts(target, "+12125550101,Ann")
    contact = target.contacts.get()
    path = reverse("campaigns:answer", kwargs={"contact_id": contact.pk}) + "?attempt=1"
    human = signed_post(client, path + "&DialStatus=answered-human", {"CallSid": "CA1"})
    assert human.status_code == 200
    assert b"Hello Ann, your appointment is tomorrow." in human.content
    machine = signed_post(client, path + "&DialStatus=answered-machine", {"CallSid": "CA1"})
    assert b"Call us back, Ann." in machine.content
    assert b"Hello Ann" not in machine.content


def test_an_agent_campaign_queues_a_person_and_leaves_a_machine_its_voicemail(client):
    queue = Queue.objects.create(name="Sales")
    target = campaign(
        content_kind="agent",
        queue=queue,
        if_machine="continue",
        voicemail_message="Call us back, $first_name.",
    )
    with_contacts(target, "+12125550101,Ann")
    path = reverse("campaigns:answer", kwargs={"contact_id": target.contacts.get().pk})
    human = signed_post(client, path + "?DialStatus=answered-human", {"CallSid": "CA1"})
    enter = settings.PUBLIC_BASE_URL + reverse("queues:enter", kwargs={"queue_id": queue.pk})
    assert f"<Redirect>{enter}</Redirect>".encode() in human.content
    assert b"Hello Ann, your appointment is tomorrow." in human.content
    machine = signed_post(client, path + "?DialStatus=answered-machine", {"CallSid": "CA1"})
    assert b"Call us back, Ann." in machine.content
    assert b"Redirect" not in machine.content


def test_the_answer_url_refuses_unsigned_requests(client):
    target = campaign()
    with_contacts(target, "+12125550101,Ann")
    path = reverse("campaigns:answer", kwargs={"contact_id": target.contacts.get().pk})
    assert client.post(path, {"CallSid": "CA1"}).status_code == 403


def finished_campaign(final_move: str) -> Campaign:
    target = campaign()
    with_contacts(target, "+12125550101,Ann")
    lifecycle.start(target.pk)
    return lifecycle.transition(target.pk, final_move)


@pytest.mark.parametrize("final_move", ["complete", "cancel"])
def test_a_finished_campaign_is_shown_read_only_and_a_save_changes_nothing(
    admin_client, final_move
):
    target = finished_campaign(final_move)
    url = reverse("admin:campaigns_campaign_change", args=[target.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert "View campaign" in page.content.decode()
    refused = admin_client.post(url, campaign_form(name="Renamed"))
    assert refused.status_code == 403
    assert Campaign.objects.get(pk=target.pk).name == "Reminders"


def test_a_campaign_that_ends_while_its_form_is_open_is_not_saved_and_says_why(
    admin_client, monkeypatch
):
    target = campaign()
    with_contacts(target, "+12125550101,Ann")
    lifecycle.start(target.pk)
    checked = CampaignForm.clean

    def clean_then_the_tick_completes_it(form):
        cleaned = checked(form)
        lifecycle.transition(target.pk, "complete")
        return cleaned

    monkeypatch.setattr(CampaignForm, "clean", clean_then_the_tick_completes_it)
    url = reverse("admin:campaigns_campaign_change", args=[target.pk])
    answer = admin_client.post(url, campaign_form(name="Renamed"), follow=True)
    assert answer.status_code == 200
    assert "Not saved: The campaign is completed" in answer.content.decode()
    assert Campaign.objects.get(pk=target.pk).name == "Reminders"
