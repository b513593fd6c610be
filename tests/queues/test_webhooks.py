"""The TwiML flows as Twilio requests them: signed POSTs through the Django test client."""

from __future__ import annotations

import pytest
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.urls import reverse
from twilio.request_validator import RequestValidator

from calls.models import Call, CallStatus, Redirect, RedirectState
from queues import services, twiml
from queues.models import AgentStatus, EntryOutcome, EntryStatus, InboundNumber, QueueEntry
from tests.queues.conftest import live_call, new_sid

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

OUR_NUMBER = "+14155559000"


@pytest.fixture
def twilio(client):
    """`twilio(path, **params)`: POST as Twilio does, signed for the public URL."""

    def post(path: str, **params: str):
        validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
        signature = validator.compute_signature(settings.PUBLIC_BASE_URL + path, params)
        return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)

    return post


def verbs(response) -> list:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    return list(fromstring(response.content))


def inbound(twilio, sid: str, to: str = OUR_NUMBER):
    return twilio(
        reverse("queues:voice"),
        CallSid=sid,
        AccountSid=settings.TWILIO_ACCOUNT_SID,
        From="+14155550100",
        To=to,
        CallStatus="ringing",
        Direction="inbound",
    )


def test_an_inbound_caller_hears_the_greeting_then_hold_music(twilio, queue):
    InboundNumber.objects.create(phone_number=OUR_NUMBER, queue=queue)
    sid = new_sid()

    say, play, redirect = verbs(inbound(twilio, sid))

    assert say.text == queue.greeting
    assert play.get("loop") == str(queue.hold_loop)
    assert play.text.endswith("/static/queues/hold-music.wav")
    entry = QueueEntry.objects.get(call__sid=sid)
    assert redirect.text.endswith(reverse("queues:hold-ended", kwargs={"entry_id": entry.pk}))
    assert entry.status == EntryStatus.WAITING
    # Twilio retrying the same request does not enqueue the caller twice.
    inbound(twilio, sid)
    assert QueueEntry.objects.filter(call__sid=sid).count() == 1


def test_a_closed_queue_says_so_and_does_not_enqueue(twilio, queue):
    InboundNumber.objects.create(phone_number=OUR_NUMBER, queue=queue)
    queue.open_weekdays = ""
    queue.save()

    say, hangup = verbs(inbound(twilio, new_sid()))

    assert (say.text, hangup.tag) == (queue.closed_message, "Hangup")
    assert not QueueEntry.objects.exists()


def test_an_unknown_number_is_not_in_service_and_unsigned_requests_are_refused(
    twilio, client, queue
):
    say, hangup = verbs(inbound(twilio, new_sid(), to="+14155559999"))
    assert (say.text, hangup.tag) == (twiml.NOT_IN_SERVICE, "Hangup")

    unsigned = new_sid()
    response = client.post(reverse("queues:voice"), {"CallSid": unsigned, "To": OUR_NUMBER})
    assert response.status_code == 403
    assert not Call.objects.filter(sid=unsigned).exists()


def test_the_hold_loop_goes_round_until_the_maximum_wait(twilio, queue, caller):
    entry = caller()
    path = reverse("queues:hold-ended", kwargs={"entry_id": entry.pk})

    play, redirect = verbs(twilio(path, CallSid=entry.call.sid))
    assert (play.tag, redirect.tag) == ("Play", "Redirect")

    queue.max_wait_seconds = 0
    queue.save()
    say, hangup = verbs(twilio(path, CallSid=entry.call.sid))
    assert (say.text, hangup.tag) == (queue.overflow_message, "Hangup")
    entry.refresh_from_db()
    assert entry.outcome == EntryOutcome.OVERFLOWED
    # Another call's SID cannot drive this entry.
    assert twilio(path, CallSid=new_sid()).status_code == 404


def test_a_caller_whose_offer_is_late_keeps_holding_when_the_music_runs_out(
    twilio, queue, caller, make_agent
):
    # Taken off hold, but the redirect into the conference has not reached the call yet.
    ann = make_agent("Ann")
    entry = services.take_off_hold(caller(), agent=ann)
    path = reverse("queues:hold-ended", kwargs={"entry_id": entry.pk})

    def holds_on() -> bool:
        """More music, then the wait checked again: the document does not run out
        before the redirect arrives (Twilio hangs up at its end)."""
        play, redirect = verbs(twilio(path, CallSid=entry.call.sid))
        return (play.tag, redirect.tag) == ("Play", "Redirect") and redirect.text.endswith(path)

    assert holds_on()
    # Ann's leg, dialed at the same time, may answer before the redirect lands.
    services.record_leg_status(live_call(parent=entry.call, to_number=ann.endpoint))
    entry.refresh_from_db()
    assert entry.status == EntryStatus.CONNECTED
    assert holds_on()


def dial_ended(twilio, entry, status: str, offer: int = 1):
    path = reverse("queues:dial-ended", kwargs={"entry_id": entry.pk, "offer": offer})
    return twilio(path, CallSid=entry.call.sid, DialCallStatus=status, DialCallDuration="42")


def test_an_unanswered_agent_puts_the_caller_back_on_hold(twilio, queue, caller, make_agent):
    entry = services.take_off_hold(caller(), agent=make_agent("Ann"))

    say, play, _ = verbs(dial_ended(twilio, entry, "no-answer"))

    assert (say.text, play.tag) == (twiml.BACK_ON_HOLD, "Play")
    entry.refresh_from_db()
    assert (entry.status, entry.agent.status) == (EntryStatus.WAITING, AgentStatus.OFFLINE)


def test_after_the_agent_hangs_up_the_caller_gets_the_survey_once(
    twilio, queue, caller, make_agent, survey
):
    entry = services.take_off_hold(caller(), agent=make_agent("Ann"))

    [gather, redirect] = verbs(dial_ended(twilio, entry, "completed"))
    intro, prompt = gather.findall("Say")
    assert intro.text == survey.introduction
    assert prompt.text.startswith("How was your call?")
    assert gather.get("numDigits") == "1"
    assert redirect.text == gather.get("action")

    # A second Dial action (a retry) does not start the survey again.
    [play] = verbs(dial_ended(twilio, entry, "completed"))
    assert play.tag == "Play"


def test_without_a_survey_the_caller_hears_goodbye_after_the_agent(
    twilio, queue, caller, make_agent
):
    queue.survey = None
    queue.save()
    entry = services.take_off_hold(caller(), agent=make_agent("Ann"))

    say, hangup = verbs(dial_ended(twilio, entry, "completed"))

    assert (say.text, hangup.tag) == (twiml.GOODBYE, "Hangup")
    entry.refresh_from_db()
    assert (entry.outcome, entry.survey_sent_at) == (EntryOutcome.CONNECTED, None)


def test_the_dial_action_after_an_interrupting_redirect_is_harmless(
    twilio, queue, caller, make_agent
):
    ann = make_agent("Ann")
    entry = services.take_off_hold(caller(), agent=ann)
    services.hang_up_politely(entry)

    [play] = verbs(dial_ended(twilio, entry, "completed"))

    assert play.tag == "Play"
    entry.refresh_from_db()
    ann.refresh_from_db()
    assert (entry.outcome, entry.survey_sent_at, ann.status) == (
        EntryOutcome.ENDED_BY_SUPERVISOR,
        None,
        AgentStatus.AVAILABLE,
    )


def answer(twilio, call: Call, question, digits: str, attempt: int = 1):
    path = reverse("queues:survey-answer", kwargs={"question_id": question.pk})
    return twilio(f"{path}?attempt={attempt}", CallSid=call.sid, Digits=digits)


def test_survey_answers_are_stored_and_bad_ones_asked_again_once(
    twilio, queue, caller, make_agent, survey
):
    ann = make_agent("Ann")
    entry = services.take_off_hold(caller(), agent=ann)
    services.record_dial_ended(entry.pk, offer=1, dial_status="completed")
    rating, yes_no = survey.questions.order_by("position")

    [gather, _] = verbs(answer(twilio, entry.call, rating, "9"))
    assert gather.find("Say").text == twiml.NOT_UNDERSTOOD
    assert gather.get("action").endswith("attempt=2")
    [gather, _] = verbs(answer(twilio, entry.call, rating, "", attempt=2))
    assert gather.find("Say").text.startswith("Was it solved?")
    assert not entry.call.survey_responses.exists()

    [gather, _] = verbs(answer(twilio, entry.call, rating, "4"))
    assert gather.find("Say").text.startswith("Was it solved?")
    say, hangup = verbs(answer(twilio, entry.call, yes_no, "1"))
    assert (say.text, hangup.tag) == (survey.closing, "Hangup")
    assert sorted(entry.call.survey_responses.values_list("answer", "score", "agent")) == [
        ("4", 4, ann.pk),
        ("yes", None, ann.pk),
    ]


def status_callback(twilio, sid: str, status: str, sequence: int, **params: str):
    return twilio(
        reverse("calls-webhooks:status"),
        CallSid=sid,
        AccountSid=settings.TWILIO_ACCOUNT_SID,
        CallStatus=status,
        SequenceNumber=str(sequence),
        **params,
    )


def test_status_callbacks_drive_agents_and_abandonment(
    twilio, queue, caller, make_agent, django_capture_on_commit_callbacks
):
    ann = make_agent("Ann")
    entry = services.take_off_hold(caller(), agent=ann)
    leg = new_sid()
    leg_params = {"ParentCallSid": entry.call.sid, "To": ann.endpoint, "Direction": "outbound-dial"}

    with django_capture_on_commit_callbacks(execute=True):
        status_callback(twilio, leg, "initiated", 0, **leg_params)
        status_callback(twilio, leg, "in-progress", 2, **leg_params)
    entry.refresh_from_db()
    assert (entry.status, entry.agent_leg.sid) == (EntryStatus.CONNECTED, leg)

    with django_capture_on_commit_callbacks(execute=True):
        status_callback(twilio, leg, "completed", 3, **leg_params)
    ann.refresh_from_db()
    assert ann.status == AgentStatus.WRAP_UP

    waiting = caller("+14155550199")
    with django_capture_on_commit_callbacks(execute=True):
        status_callback(twilio, waiting.call.sid, "completed", 5, From="+14155550199")
    waiting.refresh_from_db()
    assert waiting.outcome == EntryOutcome.ABANDONED
    assert Call.objects.get(sid=waiting.call.sid).status == CallStatus.COMPLETED


def test_a_caller_whose_redirect_into_the_room_failed_joins_their_agent_at_the_music_s_end(
    twilio, queue, caller, make_agent
):
    # Ann answered and waits in the room; the redirect taking the caller there failed
    # for good, so the caller is still in the hold loop.
    ann = make_agent("Ann")
    entry = services.take_off_hold(caller(), agent=ann)
    services.record_leg_status(live_call(parent=entry.call, to_number=ann.endpoint))
    Redirect.objects.filter(pk=entry.offer_redirect_id).update(state=RedirectState.FAILED)
    path = reverse("queues:hold-ended", kwargs={"entry_id": entry.pk})

    (dial,) = verbs(twilio(path, CallSid=entry.call.sid))

    (room,) = list(dial)
    assert (dial.tag, room.tag) == ("Dial", "Conference")
    assert room.text == entry.call.conferences.get().friendly_name
    assert dial.get("action").endswith(
        reverse("queues:dial-ended", kwargs={"entry_id": entry.pk, "offer": 1})
    )
