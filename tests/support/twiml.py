"""TwiML the end-to-end tests hand to calls: a far end that listens, an agent bridged."""

from twilio.twiml.voice_response import VoiceResponse

from calls.urls_public import public_url


def say_and_wait(text: str, response: VoiceResponse | None = None) -> str:
    """Say `text`, then hold the line long enough for any test to act on the call."""
    response = response or VoiceResponse()
    response.say(text)
    response.pause(length=600)
    return str(response)


def dial_agent(number: str) -> VoiceResponse:
    """A `<Dial>` to `number` whose leg reports all its statuses to us."""
    response = VoiceResponse()
    dial = response.dial()
    dial.number(
        number,
        status_callback=public_url("calls-webhooks:status"),
        status_callback_event="initiated ringing answered completed",
    )
    return response
