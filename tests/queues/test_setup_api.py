"""Setting up queues, numbers, agents and surveys over the API, as an internal tool
does without the admin: the admin's checks, the roles' permissions, refusals by name."""

from __future__ import annotations

import pytest

from queues import services
from queues.models import Agent, AgentStatus, InboundNumber, Queue, Survey
from tests.api.records import member_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_an_integration_sets_up_a_queue_with_a_number_and_an_agent(integration):
    queue = integration.post(
        "/api/v1/queues/",
        {
            "name": "Billing",
            "greeting": "Billing, please hold.",
            "hold_music_url": "https://example.com/tune.mp3",
            "max_wait_seconds": 120,
            "overflow_action": "voicemail",
            "voicemail_url": "https://example.com/voicemail",
            "service_level_seconds": 30,
            "opens_at": "09:00",
            "closes_at": "17:00",
            "open_weekdays": "12345",
        },
        format="json",
    )
    assert queue.status_code == 201, queue.json()
    queue_id = queue.json()["id"]
    number = integration.post(
        "/api/v1/inbound-numbers/",
        {"phone_number": "(415) 555-0199", "queue": queue_id, "label": "billing line"},
        format="json",
    )
    agent = integration.post(
        "/api/v1/agents/",
        {"name": "Ann", "endpoint_kind": "client", "endpoint": "client:ann", "queues": [queue_id]},
        format="json",
    )

    assert (number.status_code, number.json()["phone_number"]) == (201, "+14155550199")
    assert agent.status_code == 201, agent.json()
    assert (agent.json()["endpoint"], agent.json()["status"]) == ("ann", "offline")
    shown = integration.get(f"/api/v1/queues/{queue_id}/").json()
    assert shown["numbers"] == ["+14155550199"]
    assert (shown["service_level_seconds"], shown["opens_at"]) == (30, "09:00:00")


def test_a_change_is_checked_against_the_whole_queue(supervisor, queue):
    refused = supervisor.patch(
        f"/api/v1/queues/{queue.pk}/", {"overflow_action": "voicemail"}, format="json"
    )
    changed = supervisor.patch(
        f"/api/v1/queues/{queue.pk}/",
        {"overflow_action": "voicemail", "voicemail_url": "https://example.com/vm"},
        format="json",
    )

    assert refused.status_code == 400
    assert list(refused.json()) == ["voicemail_url"]
    assert changed.status_code == 200
    assert Queue.objects.get(pk=queue.pk).voicemail_url == "https://example.com/vm"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Support"}, "name"),
        ({"name": "Late", "opens_at": "09:00"}, "closes_at"),
        ({"name": "Week", "open_weekdays": "189"}, "open_weekdays"),
        ({"name": "Spill", "overflow_action": "queue"}, "overflow_queue"),
        ({"name": "Loud", "hold_music_url": "not a url"}, "hold_music_url"),
        ({"name": "Fast", "service_level_seconds": -1}, "service_level_seconds"),
        ({"name": "Typo", "greetng": "Hello"}, "greetng"),
        ({"name": "Busy", "waiting": 3}, "waiting"),
    ],
)
def test_a_bad_queue_is_refused_naming_the_field(supervisor, queue, body, field):
    answer = supervisor.post("/api/v1/queues/", body, format="json")

    assert answer.status_code == 400
    assert field in answer.json()
    assert Queue.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Bo", "endpoint_kind": "number", "endpoint": "12"}, "endpoint"),
        ({"name": "Bo", "endpoint_kind": "sip", "endpoint": "bob"}, "endpoint"),
        ({"name": "Bo", "endpoint": "+14155550111", "status": "available"}, "status"),
        ({"name": "Bo", "endpoint": "+14155550111", "queues": [999999]}, "queues"),
    ],
)
def test_a_bad_agent_is_refused_naming_the_field(supervisor, body, field):
    answer = supervisor.post("/api/v1/agents/", body, format="json")

    assert answer.status_code == 400
    assert field in answer.json()
    assert not Agent.objects.exists()


def test_a_number_is_kept_in_e164_and_once(supervisor, queue):
    InboundNumber.objects.create(phone_number="+14155550000", queue=queue)

    taken = supervisor.post(
        "/api/v1/inbound-numbers/",
        {"phone_number": "+1 415 555 0000", "queue": queue.pk},
        format="json",
    )
    bad = supervisor.post(
        "/api/v1/inbound-numbers/", {"phone_number": "call me", "queue": queue.pk}, format="json"
    )

    assert (taken.status_code, list(taken.json())) == (400, ["phone_number"])
    assert (bad.status_code, list(bad.json())) == (400, ["phone_number"])
    assert InboundNumber.objects.count() == 1


def test_an_agent_edited_keeps_their_status_and_gets_new_queues(supervisor, queue, make_agent):
    agent = make_agent("Ann")
    other = Queue.objects.create(name="Sales")

    answer = supervisor.patch(
        f"/api/v1/agents/{agent.pk}/",
        {"endpoint_kind": "sip", "endpoint": "sip:ann@example.com", "queues": [other.pk]},
        format="json",
    )

    assert answer.status_code == 200, answer.json()
    agent.refresh_from_db()
    assert (agent.endpoint, agent.status) == ("sip:ann@example.com", AgentStatus.AVAILABLE)
    assert list(agent.queues.all()) == [other]


def test_only_a_signed_out_agent_is_deleted(supervisor, make_agent):
    agent = make_agent("Ann")

    refused = supervisor.delete(f"/api/v1/agents/{agent.pk}/")
    supervisor.post(f"/api/v1/agents/{agent.pk}/status/", {"status": "offline"}, format="json")
    deleted = supervisor.delete(f"/api/v1/agents/{agent.pk}/")

    assert refused.status_code == 409
    assert "sign them out" in refused.json()["detail"]
    assert deleted.status_code == 204
    assert not Agent.objects.exists()


def test_a_queue_that_held_callers_keeps_its_record(supervisor, queue, caller):
    empty = Queue.objects.create(name="Unused")
    caller()

    refused = supervisor.delete(f"/api/v1/queues/{queue.pk}/")
    deleted = supervisor.delete(f"/api/v1/queues/{empty.pk}/")

    assert (refused.status_code, deleted.status_code) == (409, 204)
    assert list(Queue.objects.values_list("name", flat=True)) == ["Support"]


def test_a_survey_is_written_with_its_questions(integration):
    created = integration.post(
        "/api/v1/surveys/",
        {
            "name": "Quick",
            "questions": [
                {"position": 1, "kind": "rating", "prompt": "Rate us"},
                {"position": 2, "kind": "digits", "prompt": "Your zip code", "num_digits": 5},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    survey_id = created.json()["id"]

    changed = integration.patch(
        f"/api/v1/surveys/{survey_id}/",
        {"questions": [{"position": 1, "kind": "yes-no", "prompt": "Solved?"}]},
        format="json",
    )

    assert changed.status_code == 200, changed.json()
    assert [(q["position"], q["kind"], q["prompt"]) for q in changed.json()["questions"]] == [
        (1, "yes-no", "Solved?")
    ]
    assert Survey.objects.get(pk=survey_id).questions.count() == 1


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        (
            [{"position": 1, "prompt": "A"}, {"position": 1, "prompt": "B"}],
            "1 is used twice",
        ),
        ([{"position": 1, "kind": "stars", "prompt": "A"}], "not a valid choice"),
        ([{"prompt": "A"}], "required"),
    ],
)
def test_bad_questions_are_refused_on_questions(supervisor, questions, message):
    answer = supervisor.post(
        "/api/v1/surveys/", {"name": "Quick", "questions": questions}, format="json"
    )

    assert answer.status_code == 400
    assert message in str(answer.json()["questions"])
    assert not Survey.objects.filter(name="Quick").exists()


def test_answered_questions_and_surveys_keep_their_answers(supervisor, survey, queue, caller):
    entry = caller()
    services.record_survey_answer(entry.call, survey.questions.get(position=1), "4")

    dropped = supervisor.patch(
        f"/api/v1/surveys/{survey.pk}/",
        {"questions": [{"position": 2, "kind": "yes-no", "prompt": "Solved?"}]},
        format="json",
    )
    deleted = supervisor.delete(f"/api/v1/surveys/{survey.pk}/")

    assert dropped.status_code == 400
    assert "Question 1 has answers" in str(dropped.json()["questions"])
    assert deleted.status_code == 409
    assert survey.questions.count() == 2


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/queues/"),
        ("post", "/api/v1/agents/"),
        ("post", "/api/v1/inbound-numbers/"),
        ("post", "/api/v1/surveys/"),
    ],
)
def test_viewers_read_but_never_write(viewer, queue, method, url):
    assert viewer.get(url).status_code == 200
    assert getattr(viewer, method)(url, {"name": "X"}, format="json").status_code == 403
    assert viewer.delete(f"/api/v1/queues/{queue.pk}/").status_code == 403


def test_a_user_without_a_role_cannot_read_the_setup(api_as):
    assert api_as(None).get("/api/v1/inbound-numbers/").status_code == 403


def test_the_schema_documents_the_writes(supervisor):
    schema = supervisor.get("/api/schema/?format=json").json()

    paths = schema["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/inbound-numbers/"])
    assert {"put", "patch", "delete"} <= set(paths["/api/v1/surveys/{id}/"])
    assert "voicemail_url" in schema["components"]["schemas"]["Queue"]["properties"]


def test_member_of_supervisors_may_delete_setup(db):
    user = member_of("Supervisors")
    assert user.has_perm("queues.delete_queue") and user.has_perm("queues.delete_survey")


def test_an_unknown_field_is_refused_listing_only_what_a_write_takes(supervisor):
    answer = supervisor.post("/api/v1/queues/", {"name": "X", "greetng": "Hi"}, format="json")

    [message] = answer.json()["greetng"]
    assert "greeting" in message
    assert "waiting" not in message
