"""TwiML documents the calls webhooks answer with, built with `twilio.twiml.voice_response`."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from twilio.twiml.voice_response import VoiceResponse

from .models import Call, Outcome


def with_dial_status(url: str, dial_status: str) -> str:
    """The user's URL with the 2008 API's DialStatus added to its query."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "DialStatus"]
    query.append(("DialStatus", dial_status))
    return urlunsplit(parts._replace(query=urlencode(query)))


def hang_up() -> VoiceResponse:
    response = VoiceResponse()
    response.hangup()
    return response


def hand_over(call: Call) -> str:
    """What the answered call does next: hang up on a machine, or the user's flow.

    A Url is reached with `<Redirect>` (DialStatus in its query, as the 2008
    API passed it); inline Twiml is answered as it is.
    """
    if call.outcome == Outcome.HANGUP_MACHINE:
        return str(hang_up())
    if call.twiml:
        return call.twiml
    response = VoiceResponse()
    response.redirect(
        with_dial_status(call.url, call.outcome or Outcome.ANSWERED), method=call.method
    )
    return str(response)


def fall_back(call: Call) -> str:
    """When our answer URL failed: the user's fallback, else straight to their flow."""
    if call.fallback_url:
        response = VoiceResponse()
        response.redirect(call.fallback_url, method=call.fallback_method)
        return str(response)
    return hand_over(call)
