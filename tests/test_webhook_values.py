"""Signed webhooks of every app with values out of range answer 400 naming the
field and store nothing: Twilio signed them, yet no column can hold them."""

from __future__ import annotations

import pytest
from django.test import Client

from calls.models import Call, CallEvent, CallStatus, Direction
from queues.models import InboundNumber, Queue, QueueEntry, Survey, SurveyResponse
from tests.support.twilio_requests import post_as_twilio, status_params

pytestmark = pytest.mark.django_db

SID = "CA" + "5" * 32

# The field each case gets wrong, and the parameters that get it wrong.
OUT_OF_RANGE = {
    "a CallSid over 34 characters": ("CallSid", {"CallSid": SID + "0"}),
    "a ParentCallSid over 34 characters": ("ParentCallSid", {"ParentCallSid": SID + "0"}),
    "an AccountSid over 34 characters": ("AccountSid", {"AccountSid": "AC" + "0" * 40}),
    "a negative SequenceNumber": ("SequenceNumber", {"SequenceNumber": "-1"}),
    "a SequenceNumber of 10^11": ("SequenceNumber", {"SequenceNumber": str(10**11)}),
    "a SequenceNumber that is no number": ("SequenceNumber", {"SequenceNumber": "²"}),
    "a negative CallDuration": ("CallDuration", {"CallDuration": "-5"}),
    "a CallDuration of 10^11": ("CallDuration", {"CallDuration": str(10**11)}),
    "a DialCallDuration of 10^11": ("DialCallDuration", {"DialCallDuration": str(10**11)}),
    "a CallStatus over 16 characters": ("CallStatus", {"CallStatus": "in-progress-still"}),
    "an AnsweredBy over 32 characters": ("AnsweredBy", {"AnsweredBy": "machine_" * 5}),
    "a NUL byte in a value": ("From", {"From": "+1415555\x000100"}),
    "a NUL byte in a name": ("Digits\x00", {"Digits\x00": "1"}),
}


@pytest.fixture
def records(db) -> dict[str, int]:
    """One of every row a webhook may be about; the ids their URLs name."""
    call = Call.objects.create(
        sid=SID,
        direction=Direction.OUTBOUND_API,
        status=CallStatus.RINGING,
        to_number="+14155551212",
        from_number="+14155550100",
    )
    survey = Survey.objects.create(name="After the call")
    question = survey.questions.create(position=1, kind="rating", prompt="How was it?")
    queue = Queue.objects.create(name="Support", survey=survey)
    InboundNumber.objects.create(phone_number="+14155551212", queue=queue)
    return {"call": call.pk, "survey": survey.pk, "question": question.pk}


def webhook_paths(ids: dict[str, int]) -> list[str]:
    return [
        f"/twilio/status?call={ids['call']}",
        f"/twilio/calls/{ids['call']}/answer",
        f"/twilio/calls/{ids['call']}/fallback",
        f"/twilio/calls/{ids['call']}/amd",
        "/twilio/queues/voice",
        "/twilio/queues/entries/1/hold-ended",
        "/twilio/queues/entries/1/offers/1/dial-ended",
        f"/twilio/surveys/{ids['survey']}/start",
        f"/twilio/surveys/questions/{ids['question']}/answer",
        "/twilio/campaigns/contacts/1/answer",
    ]


def stored() -> tuple[int, ...]:
    return (
        Call.objects.count(),
        CallEvent.objects.count(),
        QueueEntry.objects.count(),
        SurveyResponse.objects.count(),
        Call.objects.filter(status=CallStatus.RINGING).count(),
    )


@pytest.mark.parametrize("case", OUT_OF_RANGE)
def test_a_signed_webhook_with_a_value_out_of_range_answers_400_and_stores_nothing(records, case):
    field, wrong = OUT_OF_RANGE[case]
    params = {**status_params(SID, "completed", 3, CallDuration="4", Digits="5"), **wrong}
    before = stored()
    answers = {path: post_as_twilio(Client(), path, params) for path in webhook_paths(records)}
    refused = {path: response.status_code for path, response in answers.items()}
    assert refused == dict.fromkeys(answers, 400)
    for response in answers.values():
        assert field.strip("\x00") in response.content.decode()
    assert stored() == before


def test_a_query_value_out_of_range_answers_400(records):
    path = "/twilio/status?call=%00"
    response = post_as_twilio(Client(), path, status_params(SID, "completed", 3))
    assert response.status_code == 400
    assert not CallEvent.objects.exists()


def test_values_in_range_are_still_taken(records):
    largest = str(2**31 - 1)
    params = status_params(SID, "completed", int(largest), CallDuration=largest)
    response = post_as_twilio(Client(), f"/twilio/status?call={records['call']}", params)
    assert response.status_code == 204
    assert Call.objects.get(sid=SID).duration == 2**31 - 1
