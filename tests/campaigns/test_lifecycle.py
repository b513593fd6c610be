"""A campaign's settings are checked and its states only move in the documented order."""

from datetime import time

import pytest

from calls.exceptions import RuleViolation
from campaigns.models import CampaignState, ContactOutcome
from campaigns.services import lifecycle

from .factories import campaign, with_contacts

pytestmark = pytest.mark.django_db


def test_a_campaign_is_created_as_a_draft_with_its_caller_id_in_e164():
    created = campaign(caller_id="(415) 555-0100")
    assert created.state == CampaignState.DRAFT
    assert created.caller_id == "+14155550100"
    assert created.timeout == 60


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"caller_id": "not a number"}, "caller_id"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": 601}, "timeout"),
        ({"send_digits": "12x"}, "send_digits"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"window_days": "089"}, "window_days"),
        ({"window_start": time(18), "window_end": time(9)}, "window_end"),
        ({"calls_per_second": 0}, "calls_per_second"),
        ({"max_concurrent_calls": 0}, "max_concurrent_calls"),
        ({"message": ""}, "message"),
        ({"content_kind": "twiml", "message": "", "twiml": "<Say>no root</Say>"}, "twiml"),
        ({"content_kind": "url", "answer_url": "/relative"}, "answer_url"),
        ({"busy_max_attempts": 0}, "busy_max_attempts"),
        ({"if_machine": "sometimes"}, "if_machine"),
    ],
)
def test_wrong_settings_are_refused_on_the_field_they_concern(fields, field):
    with pytest.raises(RuleViolation) as refused:
        campaign(**fields)
    assert refused.value.field == field


def test_start_runs_a_campaign_with_no_start_time_at_once():
    draft = campaign()
    with_contacts(draft, "+12125550101,Ann")
    assert lifecycle.start(draft.pk).state == CampaignState.RUNNING


def test_start_schedules_a_campaign_whose_start_time_is_later():
    from datetime import timedelta

    from django.utils import timezone

    draft = campaign(starts_at=timezone.now() + timedelta(hours=1))
    with_contacts(draft, "+12125550101,Ann")
    assert lifecycle.start(draft.pk).state == CampaignState.SCHEDULED


def test_a_campaign_without_contacts_cannot_start():
    draft = campaign()
    with pytest.raises(RuleViolation, match="import contacts first"):
        lifecycle.start(draft.pk)


def test_running_and_paused_go_back_and_forth():
    draft = campaign()
    with_contacts(draft, "+12125550101,Ann")
    lifecycle.start(draft.pk)
    assert lifecycle.pause(draft.pk).state == CampaignState.PAUSED
    assert lifecycle.resume(draft.pk).state == CampaignState.RUNNING


@pytest.mark.parametrize(
    ("moves", "refused", "message"),
    [
        ([], "pause", "Cannot pause a campaign that is draft; only a campaign that is running"),
        ([], "resume", "Cannot resume a campaign that is draft"),
        ([], "cancel", "Cannot cancel a campaign that is draft"),
        (["start"], "start", "Cannot start a campaign that is running"),
        (["start"], "resume", "only a campaign that is paused can be resumed"),
        (["start", "cancel"], "resume", "Cannot resume a campaign that is canceled"),
        (["start", "cancel"], "start", "Cannot start a campaign that is canceled"),
    ],
)
def test_moves_out_of_order_are_refused_and_change_nothing(moves, refused, message):
    draft = campaign()
    with_contacts(draft, "+12125550101,Ann")
    for move in moves:
        lifecycle.transition(draft.pk, move)
    before = type(draft).objects.get(pk=draft.pk).state
    with pytest.raises(lifecycle.IllegalTransition, match=message):
        lifecycle.transition(draft.pk, refused)
    assert type(draft).objects.get(pk=draft.pk).state == before


def test_cancel_ends_contacts_not_dialed_yet_as_canceled():
    draft = campaign()
    with_contacts(draft, "+12125550101,Ann", "+12125550102,Bob")
    lifecycle.start(draft.pk)
    lifecycle.cancel(draft.pk)
    assert set(draft.contacts.values_list("outcome", flat=True)) == {ContactOutcome.CANCELED}


def test_settings_of_a_finished_campaign_cannot_change():
    draft = campaign()
    with_contacts(draft, "+12125550101,Ann")
    lifecycle.start(draft.pk)
    lifecycle.cancel(draft.pk)
    with pytest.raises(RuleViolation, match="can no longer change"):
        lifecycle.update_campaign(draft.pk, calls_per_second=2)


def test_pacing_can_change_while_running():
    draft = campaign()
    with_contacts(draft, "+12125550101,Ann")
    lifecycle.start(draft.pk)
    assert lifecycle.update_campaign(draft.pk, calls_per_second=5).calls_per_second == 5
