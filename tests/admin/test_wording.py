"""What the admin says when it refuses input reads as plain words: a duplicate
names what is already there, and a bad phone number says what is wrong with it
instead of the phone number library's own message."""

from html import unescape

import pytest
from django.urls import reverse

from calls.models import Call
from campaigns.models import DoNotCall
from queues.models import Queue, Survey

pytestmark = pytest.mark.django_db


def errors_on(response) -> list[str]:
    """Every error the page shows: the form's, then each inline form's."""
    assert response.status_code == 200, "the form was accepted"
    context = response.context
    found = [str(error) for errors in context["adminform"].form.errors.values() for error in errors]
    for formset in context["inline_admin_formsets"]:
        found += [str(error) for error in formset.formset.non_form_errors()]
        found += [str(e) for form_errors in formset.formset.errors for e in form_errors.values()]
    return found


def test_a_number_already_on_the_do_not_call_list_is_named(supervisor):
    DoNotCall.objects.create(value="+14155550100")

    response = supervisor.post(
        reverse("admin:campaigns_donotcall_add"), {"value": "(415) 555-0100", "reason": ""}
    )

    assert errors_on(response) == ["+14155550100 is already on the do-not-call list."]
    assert DoNotCall.objects.count() == 1


def test_a_queue_name_taken_is_named(supervisor):
    Queue.objects.create(name="Support")

    response = supervisor.post(
        reverse("admin:queues_queue_add"),
        {
            "name": "Support",
            "greeting": "Hello",
            "max_wait_seconds": 600,
            "service_level_seconds": 20,
            "overflow_action": "goodbye",
            "numbers-TOTAL_FORMS": 0,
            "numbers-INITIAL_FORMS": 0,
        },
    )

    assert "A queue named “Support” already exists." in errors_on(response)
    assert Queue.objects.count() == 1


def test_two_survey_questions_at_one_position_are_told_apart(supervisor):
    def question(index: int, prompt: str) -> dict:
        return {
            f"questions-{index}-position": 1,
            f"questions-{index}-kind": "rating",
            f"questions-{index}-prompt": prompt,
            f"questions-{index}-num_digits": 1,
        }

    response = supervisor.post(
        reverse("admin:queues_survey_add"),
        {
            "name": "After the call",
            "questions-TOTAL_FORMS": 2,
            "questions-INITIAL_FORMS": 0,
            **question(0, "How was it?"),
            **question(1, "Would you call again?"),
        },
    )

    assert errors_on(response) == [
        "Two questions have the same position: give each question its own.",
        '<ul class="errorlist"><li>Another question has this position.</li></ul>',
    ]
    assert not Survey.objects.exists()


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("+999 555 0100", "'+999 555 0100' is not a phone number: its country code is missing"),
        ("hello", "'hello' is not a phone number. Use E.164"),
    ],
)
def test_a_bad_number_is_explained_without_the_librarys_words(supervisor, typed, said):
    response = supervisor.post(
        reverse("admin:calls_call_place"),
        {
            "to": typed,
            "from_": "+14155550100",
            "url": "https://a.example.com/",
            "method": "POST",
            "fallback_method": "POST",
            "if_machine": "none",
            "timeout": 60,
        },
    )

    html = unescape(response.content.decode())
    assert said in html
    assert "The string supplied" not in html
    assert not Call.objects.exists()
