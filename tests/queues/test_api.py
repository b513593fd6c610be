"""The queues API as an internal tool or a supervisor's dashboard uses it."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from calls.models import Redirect, Source
from queues import services
from queues.models import AgentStatus, EntryOutcome, EntryStatus
from tests.api.records import member_of
from tests.queues.agent_day import agents_day

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

READ = [
    "queues.view_queue",
    "queues.view_agent",
    "queues.view_queueentry",
    "queues.view_survey",
    "queues.view_surveyresponse",
]


def client_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    client.user = user
    return client


@pytest.fixture
def supervisor() -> APIClient:
    return client_of(member_of(None, perms=[*READ, "queues.change_agent", "calls.control_call"]))


@pytest.fixture
def viewer() -> APIClient:
    return client_of(member_of(None, perms=READ))


def test_queues_show_their_live_figures(supervisor, queue, caller, make_agent):
    make_agent("Ann")
    caller("+14155550101")
    caller("+14155550102")

    [shown] = supervisor.get("/api/v1/queues/").json()

    assert (shown["name"], shown["waiting"], shown["agents_available"]) == ("Support", 2, 1)
    assert shown["longest_wait_seconds"] >= 0


def test_daily_figures_need_a_valid_range(supervisor, queue, caller, make_agent):
    entry = services.take_off_hold(caller(), agent=make_agent("Ann"))
    services.record_dial_ended(entry.pk, offer=1, dial_status="completed")
    today = timezone.localdate().isoformat()
    url = f"/api/v1/queues/{queue.pk}/figures/"

    [day] = supervisor.get(url, {"since": today, "until": today}).json()
    assert (day["day"], day["entries"], day["answered"], day["abandonment_rate"]) == (
        today,
        1,
        1,
        0.0,
    )
    refused = supervisor.get(url, {"since": today, "until": "2000-01-01"})
    assert refused.status_code == 400
    assert "until" in refused.json()


def test_take_off_hold_to_a_named_agent_or_the_next_available(
    supervisor, queue, caller, make_agent
):
    ann, bob = make_agent("Ann"), make_agent("Bob")
    first, second = caller("+14155550101"), caller("+14155550102")

    named = supervisor.post(
        f"/api/v1/queue-entries/{first.pk}/take-off-hold/", {"agent": bob.pk}, format="json"
    )
    anyone = supervisor.post(f"/api/v1/queue-entries/{second.pk}/take-off-hold/", format="json")

    assert named.status_code == anyone.status_code == 202
    assert (named.json()["agent"], anyone.json()["agent"]) == (bob.pk, ann.pk)
    assert named.json()["status"] == EntryStatus.OFFERED
    redirect = Redirect.objects.get(call=first.call)
    assert (redirect.origin, redirect.requested_by) == (Source.API, supervisor.user)
    busy = supervisor.post(
        f"/api/v1/queue-entries/{caller('+14155550103').pk}/take-off-hold/",
        {"agent": bob.pk},
        format="json",
    )
    assert busy.status_code == 400
    assert "not available" in busy.json()["agent"][0]


def test_send_to_survey_and_hang_up(supervisor, queue, caller, make_agent):
    talking = services.take_off_hold(caller("+14155550101"), agent=make_agent("Ann"))
    waiting = caller("+14155550102")

    surveyed = supervisor.post(f"/api/v1/queue-entries/{talking.pk}/send-to-survey/")
    again = supervisor.post(f"/api/v1/queue-entries/{talking.pk}/send-to-survey/")
    goodbye = supervisor.post(f"/api/v1/queue-entries/{waiting.pk}/hang-up/")
    unknown = supervisor.post(
        f"/api/v1/queue-entries/{waiting.pk}/hang-up/", {"message": "bye"}, format="json"
    )

    assert surveyed.status_code == goodbye.status_code == 202
    assert surveyed.json()["url"].endswith(f"/twilio/surveys/{queue.survey_id}/start")
    assert "Goodbye" in goodbye.json()["twiml"]
    assert (again.status_code, unknown.status_code) == (409, 400)
    assert "already" in again.json()["detail"]
    waiting.refresh_from_db()
    assert waiting.outcome == EntryOutcome.ENDED_BY_SUPERVISOR


def test_agents_sign_in_and_out(supervisor, queue, make_agent):
    ann = make_agent("Ann", available=False)
    url = f"/api/v1/agents/{ann.pk}/status/"

    assert supervisor.post(url, {"status": "available"}).json()["status"] == "available"
    assert supervisor.post(url, {"status": "on-call"}).status_code == 400
    assert supervisor.get("/api/v1/agents/", {"status": "available"}).json()[0]["name"] == "Ann"


def test_viewers_read_but_cannot_act_and_strangers_are_asked_to_log_in(
    viewer, queue, caller, make_agent
):
    entry = caller()
    ann = make_agent("Ann")

    listed = viewer.get("/api/v1/queue-entries/", {"status": "waiting"}).json()
    assert [row["id"] for row in listed["results"]] == [entry.pk]
    assert viewer.post(f"/api/v1/queue-entries/{entry.pk}/take-off-hold/").status_code == 403
    assert viewer.post(f"/api/v1/agents/{ann.pk}/status/", {"status": "offline"}).status_code == (
        403
    )
    assert APIClient().get("/api/v1/queues/").status_code == 401
    ann.refresh_from_db()
    assert ann.status == AgentStatus.AVAILABLE


def test_survey_responses_and_their_averages(viewer, queue, caller, make_agent, survey):
    ann, bob = make_agent("Ann"), make_agent("Bob")
    rating = survey.questions.get(position=1)
    for agent, digits in ((ann, "5"), (bob, "2"), (bob, "4")):
        entry = services.take_off_hold(caller(), agent=agent)
        services.record_dial_ended(entry.pk, offer=1, dial_status="completed")
        services.record_survey_answer(entry.call, rating, digits)
        services.release_wrapped_up_agents(timezone.now() + timezone.timedelta(minutes=1))

    by_agent = viewer.get("/api/v1/survey-responses/averages/", {"by": "agent"}).json()
    by_queue = viewer.get("/api/v1/survey-responses/averages/", {"by": "queue"}).json()
    only_bob = viewer.get("/api/v1/survey-responses/", {"agent": bob.pk}).json()["results"]

    assert [(row["name"], row["average"], row["answers"]) for row in by_agent] == [
        ("Ann", 5.0, 1),
        ("Bob", 3.0, 2),
    ]
    assert [(row["name"], row["average"]) for row in by_queue] == [("Support", 3.67)]
    assert sorted(row["answer"] for row in only_bob) == ["2", "4"]
    [shown] = viewer.get("/api/v1/surveys/").json()
    assert [q["prompt"] for q in shown["questions"]] == ["How was your call?", "Was it solved?"]


def test_agent_figures_give_talk_hold_and_wrap_up_in_seconds(supervisor, caller, make_agent):
    day = agents_day(caller, make_agent).isoformat()

    shown = supervisor.get("/api/v1/agents/figures/", {"since": day, "until": day})

    assert shown.status_code == 200
    [ann] = shown.json()
    assert {key: value for key, value in ann.items() if key != "agent"} == {
        "name": "Ann",
        "calls_answered": 1,
        "talk_seconds": 120,
        "hold_seconds": 20,
        "wrap_up_seconds": 30,
    }
    today = timezone.localdate().isoformat()
    assert supervisor.get("/api/v1/agents/figures/", {"since": today, "until": today}).json() == []
    refused = supervisor.get("/api/v1/agents/figures/", {"since": day, "until": "2000-01-01"})
    assert refused.status_code == 400
    assert "until" in refused.json()
