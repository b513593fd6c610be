"""A campaign whose policy records from the answer: the callee hears the
announcement, then the hop records and brings them back to the campaign's
message; a machine gets its voicemail, unrecorded."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.urls import reverse

from campaigns.models import Campaign
from recordings.models import RecordingMode
from recordings.services import recording_policy_create
from tests.campaigns.factories import campaign, with_contacts
from tests.queues.conftest import live_call
from tests.support.twilio_requests import post_as_twilio

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def recorded_contact():
    target = campaign(if_machine="continue", voicemail_message="Call us back.")
    policy = recording_policy_create(
        name="Answer", mode=RecordingMode.FROM_ANSWER, announcement="This call is recorded."
    )
    Campaign.objects.filter(pk=target.pk).update(recording_policy=policy)
    target.refresh_from_db()
    with_contacts(target, "+12125550101,Ann")
    return target.contacts.get()


def answer(client, contact, call, dial_status: str):
    path = reverse("campaigns:answer", kwargs={"contact_id": contact.pk})
    return post_as_twilio(client, f"{path}?DialStatus={dial_status}", {"CallSid": call.sid})


def test_a_human_hears_the_announcement_then_is_recorded_and_hears_the_message(
    client, recorded_contact
):
    call = live_call(to_number=recorded_contact.phone_number)

    say, redirect = fromstring(answer(client, recorded_contact, call, "answered-human").content)

    assert (say.tag, say.text) == ("Say", "This call is recorded.")
    hop = urlsplit(redirect.text)
    assert hop.path == reverse(
        "recordings:answered",
        kwargs={"call_id": call.pk, "policy_id": recorded_contact.campaign.recording_policy_id},
    )
    [then] = parse_qs(hop.query)["then"]
    assert then.startswith(settings.PUBLIC_BASE_URL) and "DialStatus=answered-human" in then
    hop_answer = post_as_twilio(client, f"{hop.path}?{hop.query}", {"CallSid": call.sid})
    assert call.recordings.get().status == "requested"
    back = post_as_twilio(
        client, then.removeprefix(settings.PUBLIC_BASE_URL), {"CallSid": call.sid}
    )
    assert hop_answer.status_code == 200
    assert b"This call is recorded." not in back.content
    assert b"Hello Ann" in back.content


def test_a_machine_gets_its_voicemail_unrecorded(client, recorded_contact):
    call = live_call(to_number=recorded_contact.phone_number)

    machine = answer(client, recorded_contact, call, "answered-machine")

    assert b"Call us back." in machine.content and b"recorded" not in machine.content
    assert not call.recordings.exists()
