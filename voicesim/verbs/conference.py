"""``<Dial><Conference>``: the call joins a conference room by name.

The attributes become the participant's settings; the call stays in the room
until it leaves, is removed or the room ends, then goes on with the Dial's
``action`` (or the next verb), as Twilio does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from voicesim.calls import Source
from voicesim.conference import DEFAULT_MUSIC, MAX_PARTICIPANTS, Participant
from voicesim.twiml import event_names, flag, number
from voicesim.verbs.record import recording_callback

if TYPE_CHECKING:
    from voicesim.twiml_runner import TwimlRunner


async def dial_conference(
    runner: TwimlRunner, dial: Element, noun: Element, doc_url: str | None
) -> Source | None:
    conferences = runner.engine.conferences
    name = (noun.text or "").strip()
    conference = conferences.named(name)
    if not conference.participants:
        limit = number(noun.get("maxParticipants"), MAX_PARTICIPANTS)
        conference.max_participants = int(min(max(limit, 2), MAX_PARTICIPANTS))
    callback = noun.get("statusCallback")
    conferences.listen(
        conference,
        runner.resolve(doc_url, callback) if callback else None,
        noun.get("statusCallbackMethod", "POST").upper(),
        event_names(noun.get("statusCallbackEvent")),
    )
    if noun.get("record") == "record-from-start" and conference.recording is None:
        conference.recording = recording_callback(runner, noun, doc_url)
    wait_url = noun.get("waitUrl", DEFAULT_MUSIC)
    coached = noun.get("coach")
    participant = Participant(
        call=runner.call,
        conference=conference,
        label=noun.get("participantLabel"),
        muted=flag(noun.get("muted")),
        coaching=bool(coached),
        call_sid_to_coach=coached or None,
        start_on_enter=flag(noun.get("startConferenceOnEnter"), True),
        end_on_exit=flag(noun.get("endConferenceOnExit")),
        beep=noun.get("beep", "true"),
        wait_url=runner.resolve(doc_url, wait_url) if wait_url else None,
        wait_method=noun.get("waitMethod", "POST").upper(),
    )
    runner.log.add("conference", name=name, conference=conference.sid)
    await conferences.attend(participant)
    action = dial.get("action")
    if not action:
        return None
    extra = {"ConferenceSid": conference.sid, "DialCallStatus": "completed"}
    return Source(runner.resolve(doc_url, action), dial.get("method", "POST"), extra=extra)
