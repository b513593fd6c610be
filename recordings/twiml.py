"""The recording hop a caller makes when a policy records from the answer.

The caller first hears the policy's announcement (where consent is required),
then the document redirects to `recordings:answered`, which requests the
recording and sends the caller on to where they were going. So the recording
starts after the announcement has been heard, and once the call is surely in
progress (Twilio is running its document).
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from calls.models import Call
from calls.urls_public import public_url

from .models import RecordingMode, RecordingPolicy


def announcement_document(call: Call, policy: RecordingPolicy, then: str) -> VoiceResponse:
    """The announcement, then the hop that starts the recording and goes on to `then`."""
    response = VoiceResponse()
    if policy.announcement:
        response.say(policy.announcement)
    response.redirect(
        public_url(
            "recordings:answered", call_id=call.pk, policy_id=policy.pk, query={"then": then}
        ),
        method="POST",
    )
    return response


def announcement_before(
    call: Call, policy: RecordingPolicy | None, response: VoiceResponse
) -> VoiceResponse:
    """`response` preceded by the announcement of a policy that records from the
    agent's join, which the caller hears before they are put through."""
    if (
        policy is None
        or policy.mode != RecordingMode.FROM_AGENT
        or not policy.announcement
        or call.recordings.exists()
    ):
        return response
    announced = VoiceResponse()
    announced.say(policy.announcement)
    for verb in response.verbs:
        announced.append(verb)
    return announced


def continue_document(then: str) -> VoiceResponse:
    response = VoiceResponse()
    response.redirect(then, method="POST")
    return response
