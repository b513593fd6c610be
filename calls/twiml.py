"""TwiML documents the calls webhooks answer with, built with `twilio.twiml.voice_response`."""

from __future__ import annotations

from xml.etree.ElementTree import Element, tostring

from defusedxml.ElementTree import fromstring
from twilio.twiml.voice_response import VoiceResponse

APOLOGY = "We are sorry, something went wrong on our side."
# Seconds the line stays open after the apology, for the supervisor's next move.
HOLD_AFTER_APOLOGY = 600


def hang_up() -> VoiceResponse:
    response = VoiceResponse()
    response.hangup()
    return response


def apology_and_goodbye() -> VoiceResponse:
    """A placed call whose flow cannot go on: said once, then the call ends."""
    response = VoiceResponse()
    response.say(f"{APOLOGY} Please excuse the trouble. Goodbye.")
    response.hangup()
    return response


def apology_and_hold() -> VoiceResponse:
    """A caller whose redirect failed: told so, and kept on the line."""
    response = VoiceResponse()
    response.say(f"{APOLOGY} Please stay on the line.")
    response.pause(length=HOLD_AFTER_APOLOGY)
    return response


def with_digits_first(document: str, digits: str) -> str:
    """`document` with `<Play digits>` before its first verb (SendDigits after detection)."""
    if not digits:
        return document
    root = fromstring(document.encode())
    root.insert(0, Element("Play", digits=digits))
    return tostring(root, encoding="unicode")
