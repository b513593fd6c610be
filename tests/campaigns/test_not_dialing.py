"""A campaign with nobody to dial now says why, the same way on its admin page,
in the changelist, in the stats API and in the message after a start; its ETA
counts only the contacts that can be dialed now."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from callcenter import formats
from calls.models import Call, CallStatus
from campaigns.models import Campaign
from campaigns.selectors import campaign_dialing, campaign_progress
from campaigns.services import dialer, lifecycle
from campaigns.services.outcomes import settle_call

from .factories import campaign, with_contacts

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# Wednesday 15 January 2025, 03:00 UTC: 22:00 on Tuesday in New York.
TUESDAY_NIGHT_IN_NEW_YORK = datetime(2025, 1, 15, 3, 0, tzinfo=UTC)
NEW_YORK = "+12125550101"


def running(*numbers: str, **fields) -> Campaign:
    target = campaign(**{"calls_per_second": 1, **fields})
    with_contacts(target, *(f"{number},Ann" for number in numbers))
    return lifecycle.start(target.pk)


def dial(target: Campaign) -> dialer.DialResult:
    return dialer.dial_next(target.pk, dialer.contact_zones(target.pk), max_wait=0.5)


def end_busy(call: Call) -> None:
    Call.objects.filter(pk=call.pk).update(status=CallStatus.BUSY)
    settle_call(call.pk)


def tomorrow_in(zone: str) -> date:
    return timezone.now().astimezone(ZoneInfo(zone)).date() + timedelta(days=1)


def closed_today(zone: str = "UTC") -> dict:
    """A calling window on tomorrow's weekday only: closed whenever the test runs."""
    return {
        "time_zone": zone,
        "window_days": str(tomorrow_in(zone).isoweekday()),
        "window_start": time(9),
        "window_end": time(17),
    }


def test_outside_the_window_it_says_when_and_in_which_zone_the_next_one_opens():
    target = running(NEW_YORK, window_days="12345", window_start=time(9), window_end=time(17))
    target.contacts.update(next_attempt_at=TUESDAY_NIGHT_IN_NEW_YORK)
    state = campaign_dialing(target, TUESDAY_NIGHT_IN_NEW_YORK)
    reason = state.not_dialing
    assert (state.dialable_now, reason.code) == (0, "outside-window")
    assert reason.next_at == datetime(2025, 1, 15, 14, 0, tzinfo=UTC)
    assert reason.zone == "America/New_York"
    assert "15 Jan 2025 09:00 in America/New_York (15 Jan 2025 14:00 UTC)" in reason.message


def test_a_window_opening_is_written_in_the_contacts_zone_and_the_back_offices(settings):
    settings.TIME_ZONE = "Europe/Paris"
    target = running(NEW_YORK, window_days="12345", window_start=time(9), window_end=time(17))
    target.contacts.update(next_attempt_at=TUESDAY_NIGHT_IN_NEW_YORK)

    reason = campaign_dialing(target, TUESDAY_NIGHT_IN_NEW_YORK).not_dialing

    assert reason.message.endswith(
        "the next window opens 15 Jan 2025 09:00 in America/New_York "
        "(15 Jan 2025 15:00 Europe/Paris)."
    )


def test_a_window_closed_on_friday_evening_next_opens_on_monday():
    target = running(NEW_YORK, window_days="12345", window_start=time(9), window_end=time(17))
    friday_evening = datetime(2025, 1, 17, 23, 0, tzinfo=UTC)  # 18:00 in New York
    target.contacts.update(next_attempt_at=friday_evening)
    reason = campaign_dialing(target, friday_evening).not_dialing
    assert reason.next_at == datetime(2025, 1, 20, 14, 0, tzinfo=UTC)


def test_waiting_for_a_retry_says_when_it_is_due_and_the_eta_does_not_count_it():
    target = running(NEW_YORK, busy_retry_delay=300)
    end_busy(dial(target).call)
    progress = campaign_progress(target)
    reason = progress.not_dialing
    assert reason.code == "waiting-for-retries"
    due = target.contacts.get().next_attempt_at
    assert reason.next_at == due
    assert f"{due:%H:%M}" in reason.message
    assert (progress.waiting, progress.dialable_now, progress.eta_seconds) == (1, 0, None)
    assert dial(target).kind == "nothing-due"  # the dialer agrees


def test_the_eta_counts_the_contacts_dialable_now_at_the_campaigns_pace():
    target = running(NEW_YORK, "+12125550102", "+12125550103", "+12125550104")
    # The first one was busy and waits five minutes for its retry.
    target.contacts.filter(phone_number=NEW_YORK).update(
        attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    progress = campaign_progress(target)
    assert (progress.waiting, progress.dialable_now) == (4, 3)
    assert progress.not_dialing is None
    assert progress.eta_seconds == 3  # 3 contacts at the campaign's 1 call a second


def test_at_the_concurrency_cap_it_says_so():
    target = running(NEW_YORK, "+12125550102", max_concurrent_calls=1)
    assert dial(target).kind == "dialed"
    reason = campaign_dialing(target).not_dialing
    assert reason.code == "at-capacity"
    assert "All 1 lines" in reason.message
    assert dial(target).kind == "at-capacity"


def test_a_paused_campaign_says_it_is_paused():
    target = running(NEW_YORK)
    lifecycle.pause(target.pk)
    target.refresh_from_db()
    assert campaign_dialing(target).not_dialing.code == "paused"
    assert campaign_progress(target).eta_seconds is None


def test_a_campaign_started_before_its_start_time_says_when_it_starts():
    starts = timezone.now() + timedelta(hours=2)
    target = running(NEW_YORK, starts_at=starts)
    reason = campaign_dialing(target).not_dialing
    assert (target.state, reason.code, reason.next_at) == ("scheduled", "scheduled", starts)
    assert f"it starts {formats.moment(starts)}." in reason.message


def test_a_campaign_past_its_end_time_says_so():
    target = running(NEW_YORK)
    lifecycle.update_campaign(target.pk, ends_at=timezone.now() - timedelta(minutes=1))
    target.refresh_from_db()
    reason = campaign_dialing(target).not_dialing
    assert reason.code == "ended"
    assert "has passed" in reason.message
    assert dial(target).kind == "stopped"


def test_with_nothing_left_it_says_so_and_counts_the_calls_under_way():
    target = running(NEW_YORK)
    dial(target)
    reason = campaign_dialing(target).not_dialing
    assert reason.code == "nothing-left"
    assert reason.message == "Nothing left to dial; 1 calls are still under way."
    assert campaign_progress(target).eta_seconds == 0


def test_a_running_campaign_with_contacts_due_says_nothing_is_wrong():
    state = campaign_dialing(running(NEW_YORK))
    assert (state.dialable_now, state.not_dialing) == (1, None)


@pytest.mark.parametrize(
    ("start", "end", "moment", "open_"),
    [
        (time(0), time(0), time(0), True),
        (time(0), time(0), time(23, 59, 59), True),
        (time(18), time(0), time(23, 30), True),
        (time(18), time(0), time(17, 59), False),
    ],
)
def test_a_window_ending_at_midnight_runs_to_the_end_of_the_day(start, end, moment, open_):
    target = running(NEW_YORK, window_days="1234567", window_start=start, window_end=end)
    at = datetime.combine(datetime(2025, 1, 15), moment, tzinfo=UTC)
    target.contacts.update(time_zone="UTC", next_attempt_at=at)
    assert (campaign_dialing(target, at).dialable_now == 1) is open_


def test_the_demo_campaign_dials_at_every_hour_of_every_day():
    call_command("seed_demo")
    demo = lifecycle.start(Campaign.objects.get(name="Renewal reminders").pk)
    monday = datetime(2025, 1, 13, tzinfo=UTC)
    for hour in range(7 * 24):
        at = monday + timedelta(hours=hour, minutes=30)
        demo.contacts.update(next_attempt_at=at)
        state = campaign_dialing(demo, at)
        assert (state.not_dialing, state.dialable_now) == (None, 4), at


def test_the_admin_says_why_in_the_start_message_the_changelist_and_the_page(admin_client):
    target = campaign(**closed_today())
    with_contacts(target, "+15550001000,Ann")  # no zone of its own: the campaign's
    url = reverse("admin:campaigns_campaign_changelist")
    started = admin_client.post(
        url, {"action": "start", "_selected_action": [target.pk]}, follow=True
    ).content.decode()
    assert "Started the campaign “Reminders”." in started
    assert "“Reminders” is not dialing now: No contact is inside its calling window" in started
    listing = admin_client.get(url).content.decode()
    assert "Not dialing: No contact is inside its calling window" in listing
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[target.pk]))
    assert "Not dialing: No contact is inside its calling window" in page.content.decode()


def test_the_stats_api_says_why_with_the_next_window_and_its_zone(api):
    target = campaign(**closed_today("Europe/Paris"))
    with_contacts(target, "+15550001000,Ann")
    lifecycle.start(target.pk)
    stats = api.get(f"/api/v1/campaigns/{target.pk}/stats/").json()
    assert stats["not_dialing"]["code"] == "outside-window"
    assert stats["not_dialing"]["zone"] == "Europe/Paris"
    opens = datetime.combine(tomorrow_in("Europe/Paris"), time(9), tzinfo=ZoneInfo("Europe/Paris"))
    assert datetime.fromisoformat(stats["not_dialing"]["next_at"]) == opens
    assert (stats["dialable_now"], stats["eta_seconds"]) == (0, None)
