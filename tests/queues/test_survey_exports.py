"""Survey answers as CSV from the API and from the admin, as the filters select them."""

import pytest
from django.test import Client

from queues import services
from tests.api.records import member_of
from tests.support.exports import csv_rows

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def answered(survey, caller):
    rating, solved = survey.questions.order_by("position")
    for digits in ("4", "2"):
        call = caller().call
        services.record_survey_answer(call, rating, digits)
        services.record_survey_answer(call, solved, "1")
    return rating, solved


def test_the_api_exports_the_answers_to_one_question(viewer, answered):
    rating, _ = answered

    rows = csv_rows(viewer.get("/api/v1/survey-responses/export/", {"question": rating.pk}))

    assert sorted(row["answer"] for row in rows) == ["2", "4"]
    assert {row["question"] for row in rows} == {str(rating.pk)}


def test_the_admin_exports_the_filtered_answers(answered):
    _, solved = answered
    browser = Client()
    browser.force_login(member_of("Supervisors", staff=True))
    query = f"question__id__exact={solved.pk}"

    page = browser.get(f"/admin/queues/surveyresponse/?{query}").content.decode()
    rows = csv_rows(browser.get(f"/admin/queues/surveyresponse/export/?{query}"))

    assert f'href="/admin/queues/surveyresponse/export/?{query}"' in page
    assert [row["answer"] for row in rows] == ["yes", "yes"]
