"""One record of every kind the API reads, with the values that stretch a
schema: empty URLs and choices, nulls, legs, events, redirects in several
states, a queue with callers and answers, a campaign with contacts."""

from django.core.management import call_command

from calls.models import CallStatus, Direction, Outcome, RedirectState
from campaigns.models import Campaign, CsvImport, DoNotCall, ImportKind, ImportState
from conversations import services as conversations
from queues import services as queues
from queues.models import Agent, Queue, SurveyQuestion
from tests.api.records import make_call, make_event, make_leg, make_redirect


def create_every_kind_of_record() -> None:
    call_command("seed_demo")
    pending = make_call(sid=None, status=CallStatus.QUEUED, url="", twiml="<Response/>")
    make_redirect(pending, state=RedirectState.SCHEDULED, requested_by=None)
    ended = make_call(
        status=CallStatus.COMPLETED,
        outcome=Outcome.ANSWERED_HUMAN,
        duration=42,
        price="-0.0130",
        price_unit="USD",
        error_code="",
    )
    leg = make_leg(ended, status=CallStatus.COMPLETED)
    make_event(ended, "ringing", 1)
    make_event(ended, "completed", 2)
    make_redirect(
        ended, state=RedirectState.FAILED, error_code=21220, error_message="Not in progress"
    )
    make_redirect(ended, url="", twiml="<Response><Hangup/></Response>", state=RedirectState.DONE)

    queue = Queue.objects.get()
    waiting = queues.enqueue_call(
        make_call(direction=Direction.INBOUND, url="", from_number="+14155550177"), queue
    )
    answered = queues.enqueue_call(make_call(direction=Direction.INBOUND, url=""), queue)
    answered.agent = Agent.objects.first()
    answered.agent_leg = leg
    answered.save()
    for question in SurveyQuestion.objects.all():
        queues.record_survey_answer(answered.call, question, "4")
    assert waiting.pk and Campaign.objects.exists()
    conference = conversations.conference_open(answered.call)
    conversations.conference_event_record(
        {
            "ConferenceSid": "CF" + "e" * 32,
            "SequenceNumber": "0",
            "StatusCallbackEvent": "participant-join",
            "CallSid": answered.call.sid,
        },
        conference_id=conference.pk,
    )
    conversations.action_request(answered.call, "hold", reason="every kind of record")
    DoNotCall.objects.create(value="+1900", is_prefix=True)
    DoNotCall.objects.create(value="+14155550188", reason="asked")
    rejected = [{"line": 3, "value": "not a number", "reason": "not a phone number"}]
    CsvImport.objects.create(
        kind=ImportKind.CONTACTS,
        campaign=Campaign.objects.first(),
        rows=2,
        processed=2,
        imported=1,
        rejected=rejected,
        state=ImportState.DONE,
    )
    CsvImport.objects.create(kind=ImportKind.DO_NOT_CALL, rows=1)
