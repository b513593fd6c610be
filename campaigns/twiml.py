"""The TwiML a campaign call follows once the core has applied IfMachine.

Every campaign call's Url is ours, so the voicemail for a machine and the
contact's variables apply whatever the campaign's content is: a message, a
survey (after the message), the customer's own URL, inline TwiML, or an agent
(a person who answers waits in the campaign's queue; a machine gets the message).
"""

from __future__ import annotations

from string import Template
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from xml.sax.saxutils import escape

from twilio.twiml.voice_response import VoiceResponse

from calls.models import Outcome
from calls.urls_public import public_url

from .models import Campaign, Contact, ContentKind

XML_QUOTES = {'"': "&quot;", "'": "&apos;"}


def variables_of(contact: Contact) -> dict[str, str]:
    return {"phone_number": contact.phone_number, **contact.variables}


def filled(text: str, variables: dict[str, str]) -> str:
    """`$name`/`${name}` placeholders replaced; unknown ones are left as written."""
    return Template(text).safe_substitute(variables)


def _with_query(url: str, variables: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *variables.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _say_and_play(response: VoiceResponse, text: str, audio_url: str, variables) -> None:
    if text:
        response.say(filled(text, variables))
    if audio_url:
        response.play(audio_url)


def answer_document(campaign: Campaign, contact: Contact, dial_status: str) -> str:
    variables = variables_of(contact)
    response = VoiceResponse()
    machine = dial_status == Outcome.ANSWERED_MACHINE
    if machine and (campaign.voicemail_message or campaign.voicemail_audio_url):
        _say_and_play(response, campaign.voicemail_message, campaign.voicemail_audio_url, variables)
        response.hangup()
    elif campaign.content_kind == ContentKind.AGENT and not machine:
        # The person waits in the queue as an inbound caller would (`queues:enter`).
        _say_and_play(response, campaign.message, campaign.message_audio_url, variables)
        response.redirect(public_url("queues:enter", queue_id=campaign.queue_id))
    elif campaign.content_kind == ContentKind.TWIML:
        escaped = {name: escape(str(value), XML_QUOTES) for name, value in variables.items()}
        return filled(campaign.twiml, escaped)
    elif campaign.content_kind == ContentKind.URL:
        response.redirect(
            _with_query(campaign.answer_url, variables), method=campaign.answer_method
        )
    elif campaign.content_kind == ContentKind.SURVEY:
        _say_and_play(response, campaign.message, campaign.message_audio_url, variables)
        response.redirect(public_url("queues:survey-start", survey_id=campaign.survey_id))
    else:
        _say_and_play(response, campaign.message, campaign.message_audio_url, variables)
        response.hangup()
    return str(response)
