"""The TwiML documents of queues and surveys, built with `twilio.twiml.voice_response`.

Every URL in them is absolute (`public_url`), since Twilio fetches them.
"""

from django.templatetags.static import static
from twilio.twiml.voice_response import Gather, VoiceResponse

from calls.urls_public import public_url
from conversations.models import Conference
from conversations.twiml import join_document
from recordings.twiml import announcement_before

from . import selectors
from .models import Agent, EndpointKind, OverflowAction, QuestionKind, Queue, QueueEntry, Survey
from .models import SurveyQuestion as Question
from .outcomes import CallerNext, CallerOutcome

STATUS_CALLBACK_VIEW = "calls-webhooks:status"
LEG_EVENTS = "initiated ringing answered completed"
GOODBYE = "Thank you for calling. Goodbye"
NOT_IN_SERVICE = "The number you have called is not in service. Goodbye."
BACK_ON_HOLD = "We are sorry, the representative could not take your call. Please keep holding."
REDIRECT_FAILED = "We are sorry, we could not put you through. Please keep holding."
NOT_UNDERSTOOD = "Sorry, I did not get that."
HINTS = {
    QuestionKind.RATING: "Press a key from 1 to 5.",
    QuestionKind.YES_NO: "Press 1 for yes, or 2 for no.",
}
SECONDS_TO_ANSWER = 6


def hold_music_url(queue: Queue) -> str:
    return queue.hold_music_url or public_url(static("queues/hold-music.wav"))


def hold_document(entry: QueueEntry, *, say: str) -> VoiceResponse:
    """Seed 000's first document, then a check of the wait when the loop runs out."""
    response = VoiceResponse()
    if say:
        response.say(say)
    response.play(hold_music_url(entry.queue), loop=entry.queue.hold_loop)
    response.redirect(public_url("queues:hold-ended", entry_id=entry.pk))
    return response


def music_document(queue: Queue) -> VoiceResponse:
    """Hold music alone: the harmless answer to a request a newer redirect overtakes."""
    response = VoiceResponse()
    response.play(hold_music_url(queue), loop=queue.hold_loop)
    return response


def goodbye_document(message: str = GOODBYE) -> VoiceResponse:
    """Seed 000's third document: say goodbye, hang up."""
    response = VoiceResponse()
    response.say(message)
    response.hangup()
    return response


def overflow_document(queue: Queue) -> VoiceResponse:
    if queue.overflow_action == OverflowAction.VOICEMAIL and queue.voicemail_url:
        response = VoiceResponse()
        if queue.overflow_message:
            response.say(queue.overflow_message)
        response.redirect(queue.voicemail_url)
        return response
    return goodbye_document(queue.overflow_message or GOODBYE)


def caller_document(outcome: CallerOutcome) -> VoiceResponse:
    """What the caller hears next, as the services decided it (`queues.outcomes`)."""
    entry, queue = outcome.entry, outcome.queue
    match outcome.next:
        case CallerNext.CLOSED:
            return goodbye_document(queue.closed_message)
        case CallerNext.ENQUEUED:
            return hold_document(entry, say=queue.greeting)
        case CallerNext.STILL_WAITING:
            return hold_document(entry, say="")
        case CallerNext.BACK_ON_HOLD:
            return hold_document(entry, say=BACK_ON_HOLD)
        case CallerNext.OVERFLOWED:
            return overflow_document(queue)
        case CallerNext.SURVEY:
            return survey_start_document(queue.survey)
        case CallerNext.GOODBYE:
            return goodbye_document()
        case CallerNext.OVERTAKEN:
            return music_document(queue)
        case CallerNext.INTO_THE_ROOM:
            return conference_document(entry, outcome.room)


def agent_address(agent: Agent) -> str:
    """Where the agent is dialed: their number, SIP URI, or `client:` identity."""
    if agent.endpoint_kind == EndpointKind.CLIENT:
        return f"client:{agent.endpoint}"
    return agent.endpoint


def conference_document(entry: QueueEntry, conference: Conference) -> VoiceResponse:
    """Seed 000's second document, in a conference: the caller waits in the room named
    for their call while the agent is dialed in, and talks with them there.

    The action URL names the offer, so the end of a room that arrives after a
    newer offer or a supervisor's redirect is recognised as stale.
    """
    room = join_document(
        conference,
        action_url=public_url("queues:dial-ended", entry_id=entry.pk, offer=entry.offers),
    )
    return announcement_before(entry.call, entry.queue.recording_policy, room)


def question_document(question: Question, *, attempt: int = 1, say: str = "") -> VoiceResponse:
    """One question as a Gather; no key pressed falls through to the same answer URL."""
    answer_url = public_url(
        "queues:survey-answer", question_id=question.pk, query={"attempt": attempt}
    )
    num_digits = question.num_digits if question.kind == QuestionKind.DIGITS else 1
    response = VoiceResponse()
    gather = Gather(
        action=answer_url,
        method="POST",
        num_digits=num_digits,
        finish_on_key="#",
        timeout=SECONDS_TO_ANSWER,
    )
    if say:
        gather.say(say)
    gather.say(" ".join(filter(None, [question.prompt, HINTS.get(question.kind, "")])))
    response.append(gather)
    response.redirect(answer_url, method="POST")
    return response


def survey_start_document(survey: Survey) -> VoiceResponse:
    first = selectors.first_question(survey)
    if first is None:
        return survey_end_document(survey)
    return question_document(first, say=survey.introduction)


def survey_end_document(survey: Survey) -> VoiceResponse:
    return goodbye_document(survey.closing or GOODBYE)
