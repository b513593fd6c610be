"""Conferences: who is in, who hears whom, and the conference's callbacks.

A conference is a room of participants (calls). The simulation decides what
each participant hears and writes it to that participant's transcript as
``heard`` entries, so a test can assert that a whisper reached the agent and
not the caller:

- while the conference waits for a moderator (``startConferenceOnEnter``) its
  participants hear the wait music and nobody else;
- a held participant hears the hold music, nobody hears them, they hear nobody;
- nobody hears a muted participant;
- a coach (``coaching`` with ``callSidToCoach``) is heard by the coached
  participant only, and hears everybody;
- an announcement is heard by everybody (or by the one participant it is for).

A participant's call stays in the conference until it leaves (its call hangs
up or is redirected), is removed (Participants delete) or the conference ends.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from voicesim.audio import Heard, audio_of, hear
from voicesim.calls import Call, Interrupted, new_sid
from voicesim.clock import rfc2822, utcnow
from voicesim.transcript import Transcript
from voicesim.twiml import say_seconds

if TYPE_CHECKING:
    from voicesim.engine import Engine

#: Twilio's own music, played when no waitUrl / HoldUrl is given (never fetched here)
DEFAULT_MUSIC = "https://twimlets.com/holdmusic?Bucket=com.twilio.music.classical"
CONFERENCE_EVENTS = frozenset(
    {"start", "end", "join", "leave", "mute", "hold", "modify", "speaker", "announcement"}
)
MAX_PARTICIPANTS = 250
#: each callback event and the ``statusCallbackEvent`` family that asks for it
EVENT_FAMILY = {
    "conference-start": "start",
    "conference-end": "end",
    "participant-join": "join",
    "participant-leave": "leave",
    "participant-mute": "mute",
    "participant-unmute": "mute",
    "participant-hold": "hold",
    "participant-unhold": "hold",
    "participant-modify": "modify",
    "participant-speech-start": "speaker",
    "announcement-end": "announcement",
    "announcement-fail": "announcement",
}


@dataclass
class Participant:
    """One call in a conference, with its conference-side settings."""

    call: Call
    conference: Conference
    label: str | None = None
    muted: bool = False
    hold: bool = False
    hold_url: str | None = DEFAULT_MUSIC  # Twilio plays its own without a HoldUrl
    hold_method: str = "POST"
    coaching: bool = False
    call_sid_to_coach: str | None = None
    start_on_enter: bool = True
    end_on_exit: bool = False
    beep: str = "true"
    wait_url: str | None = DEFAULT_MUSIC
    wait_method: str = "POST"
    joined: bool = False
    gone: bool = False
    date_created: datetime = field(default_factory=utcnow)
    date_updated: datetime = field(default_factory=utcnow)
    left: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def status(self) -> str:
        """``queued``/``connecting``/``ringing`` while its call is placed, then ``connected``."""
        if self.gone:
            return "complete"
        if self.joined:
            return "connected"
        return {"initiated": "connecting", "ringing": "ringing", "queued": "queued"}.get(
            self.call.status, "failed"
        )

    def beeps_on(self, moment: str) -> bool:
        return self.beep in ("true", moment)

    def touch(self) -> None:
        self.date_updated = utcnow()

    def to_json(self) -> dict[str, Any]:
        """The ``api.v2010.account.conference.participant`` resource."""
        conference = self.conference
        return {
            "account_sid": conference.account_sid,
            "call_sid": self.call.sid,
            "label": self.label,
            "call_sid_to_coach": self.call_sid_to_coach,
            "coaching": self.coaching,
            "conference_sid": conference.sid,
            "date_created": rfc2822(self.date_created),
            "date_updated": rfc2822(self.date_updated),
            "end_conference_on_exit": self.end_on_exit,
            "muted": self.muted,
            "hold": self.hold,
            "start_conference_on_enter": self.start_on_enter,
            "status": self.status,
            "queue_time": None,
            "uri": f"{conference.base_uri()}/Participants/{self.call.sid}.json",
        }

    def callback_params(self) -> dict[str, str]:
        params = {
            "CallSid": self.call.sid,
            "Muted": _bool(self.muted),
            "Hold": _bool(self.hold),
            "Coaching": _bool(self.coaching),
            "EndConferenceOnExit": _bool(self.end_on_exit),
            "StartConferenceOnEnter": _bool(self.start_on_enter),
        }
        if self.label:
            params["ParticipantLabel"] = self.label
        if self.call_sid_to_coach:
            params["CallSidToCoach"] = self.call_sid_to_coach
        return params


@dataclass
class Conference:
    """A Twilio conference: ``init`` until a moderator joins, then ``in-progress``."""

    sid: str
    account_sid: str
    friendly_name: str
    transcript: Transcript
    status: str = "init"
    participants: OrderedDict[str, Participant] = field(default_factory=OrderedDict)
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: frozenset[str] = frozenset()
    max_participants: int = MAX_PARTICIPANTS
    reason_ended: str | None = None
    call_sid_ending: str | None = None
    callback_seq: int = 0
    #: record-from-start: the recording status callback settings, else ``None``
    recording: tuple[str | None, str, frozenset[str]] | None = None
    date_created: datetime = field(default_factory=utcnow)
    date_updated: datetime = field(default_factory=utcnow)

    @property
    def is_live(self) -> bool:
        return self.status != "completed"

    def present(self) -> Iterator[Participant]:
        """The participants in the room now (not those still being called)."""
        return (p for p in list(self.participants.values()) if p.joined and not p.gone)

    def touch(self) -> None:
        self.date_updated = utcnow()

    def base_uri(self) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/Conferences/{self.sid}"

    def to_json(self) -> dict[str, Any]:
        """The ``api.v2010.account.conference`` resource.

        The reason it ended is left out while it runs: Twilio's description has
        no null for that enum, and the client reads a missing key as ``None``.
        """
        base = self.base_uri()
        body = {
            "account_sid": self.account_sid,
            "date_created": rfc2822(self.date_created),
            "date_updated": rfc2822(self.date_updated),
            "api_version": "2010-04-01",
            "friendly_name": self.friendly_name,
            "region": "us1",
            "sid": self.sid,
            "status": self.status,
            "uri": base + ".json",
            "subresource_uris": {
                "participants": base + "/Participants.json",
                "recordings": base + "/Recordings.json",
            },
            "call_sid_ending_conference": self.call_sid_ending,
        }
        if self.reason_ended:
            body["reason_conference_ended"] = self.reason_ended
        return body


def _bool(value: bool) -> str:
    return "true" if value else "false"


class Conferences:
    """Every conference of the account and what happens in them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.all: OrderedDict[str, Conference] = OrderedDict()

    # ------------------------------------------------------------------ lookup
    def named(self, name: str) -> Conference:
        """The live conference called ``name``, made (``init``) when there is none."""
        for conference in self.all.values():
            if conference.friendly_name == name and conference.is_live:
                return conference
        clock = self.engine.clock
        conference = Conference(
            sid=new_sid("CF"),
            account_sid=self.engine.account_sid,
            friendly_name=name,
            transcript=Transcript(clock.now, clock.now()),
        )
        conference.transcript.add("created", friendly_name=name)
        self.all[conference.sid] = conference
        return conference

    def find(self, sid: str) -> Conference | None:
        return self.all.get(sid)

    @staticmethod
    def participant(conference: Conference, key: str) -> Participant | None:
        """A participant by call SID or by label, as the Participants resource allows."""
        found = conference.participants.get(key)
        if found is None:
            found = next((p for p in conference.participants.values() if p.label == key), None)
        return found if found is not None and not found.gone else None

    def listen(self, conference: Conference, url: str | None, method: str, events: Any) -> None:
        """The first participant to name a statusCallback sets the conference's."""
        if url and not conference.status_callback:
            conference.status_callback = url
            conference.status_callback_method = method
            conference.status_callback_events = frozenset(events)

    # ------------------------------------------------------------------ membership
    def expect(self, participant: Participant) -> None:
        """A participant being called in (Participants create): listed, not yet in."""
        participant.conference.participants[participant.call.sid] = participant
        participant.call.on_end.append(lambda call: self._unanswered(participant))

    def _unanswered(self, participant: Participant) -> None:
        if not participant.joined and not participant.gone:
            participant.gone = True
            participant.conference.participants.pop(participant.call.sid, None)

    async def attend(self, participant: Participant) -> None:
        """Keep the participant's call in the conference until it leaves.

        A change on the call (redirect, hang-up) takes it out and interrupts the
        flow; a removal or the end of the conference returns, so the call goes
        on with its next verb.
        """
        call = participant.call
        if not self.join(participant):
            return
        try:
            await self.engine.life.wait_events(call, [participant.left])
        except Interrupted:
            change = call.pending
            reason = "hung up" if change is None or change.kind == "hangup" else "redirected"
            self.leave(participant, reason)
            raise

    def join(self, participant: Participant) -> bool:
        """Enter the room; ``False`` when it is full or already over."""
        conference, call = participant.conference, participant.call
        present = list(conference.present())
        if not conference.is_live or len(present) >= conference.max_participants:
            call.transcript.add(
                "conference-full", conference=conference.sid, max=conference.max_participants
            )
            conference.participants.pop(call.sid, None)
            return False
        conference.participants[call.sid] = participant
        participant.joined = True
        participant.touch()
        call.transcript.add(
            "conference-joined", conference=conference.sid, name=conference.friendly_name
        )
        self._event(conference, "participant-join", participant)
        if participant.beeps_on("onEnter"):
            self._hear(present, Heard("beep", conference=conference.sid))
        if conference.status == "init" and participant.start_on_enter:
            self._start(conference)
        elif conference.status == "init":
            self._wait_music(participant)
        return True

    def leave(self, participant: Participant, reason: str, kicked: bool = False) -> None:
        """Take a participant out; the conference ends after its last one or a moderator."""
        conference, call = participant.conference, participant.call
        if participant.gone:
            return
        participant.gone = True
        participant.left.set()
        conference.participants.pop(call.sid, None)
        conference.touch()
        call.transcript.add("conference-left", conference=conference.sid, reason=reason)
        self._event(conference, "participant-leave", participant)
        others = list(conference.present())
        if participant.beeps_on("onExit"):
            self._hear(others, Heard("beep", conference=conference.sid))
        if not conference.is_live:
            return
        if participant.end_on_exit:
            how = "kicked" if kicked else "left"
            self.end(conference, f"participant-with-end-conference-on-exit-{how}", call.sid)
        elif not others:
            how = "kicked" if kicked else "left"
            self.end(conference, f"last-participant-{how}", call.sid)

    def end(self, conference: Conference, reason: str, by_call: str | None = None) -> None:
        """End the conference: every participant leaves, their calls go on after the Dial."""
        if not conference.is_live:
            return
        conference.status = "completed"
        conference.reason_ended = reason
        conference.call_sid_ending = by_call
        conference.touch()
        conference.transcript.add("ended", reason=reason, call_sid=by_call)
        self.engine.recordings.stop_conference(conference.sid)
        for participant in list(conference.participants.values()):
            if participant.joined:
                self.leave(participant, "conference ended")
            else:
                self.engine.life.hangup(participant.call, reason="conference ended")
        self._event(
            conference,
            "conference-end",
            ReasonConferenceEnded=reason,
            Reason=reason,
            CallSidEndingConference=by_call or "",
        )

    def _start(self, conference: Conference) -> None:
        conference.status = "in-progress"
        conference.touch()
        conference.transcript.add("started")
        if conference.recording is not None:
            self.engine.recordings.start(
                "Conference", conference=conference, callback=conference.recording
            )
        self._event(conference, "conference-start")

    # ------------------------------------------------------------------ changes
    def set_hold(self, participant: Participant, hold: bool, url: str | None, method: str) -> None:
        if url:
            participant.hold_url, participant.hold_method = url, method
        if hold == participant.hold:
            return
        participant.hold = hold
        participant.touch()
        participant.call.transcript.add("hold" if hold else "unhold")
        self._event(
            participant.conference,
            "participant-hold" if hold else "participant-unhold",
            participant,
        )
        if hold:
            self._play_to(participant, participant.hold_url, participant.hold_method, "hold-music")

    def set_muted(self, participant: Participant, muted: bool) -> None:
        if muted == participant.muted:
            return
        participant.muted = muted
        participant.touch()
        participant.call.transcript.add("muted" if muted else "unmuted")
        event = "participant-mute" if muted else "participant-unmute"
        self._event(participant.conference, event, participant)

    def set_coaching(self, participant: Participant, coaching: bool, coached: str | None) -> None:
        participant.coaching = coaching
        participant.call_sid_to_coach = coached if coaching else None
        participant.touch()
        participant.call.transcript.add("coaching", coaching=coaching, call_sid_to_coach=coached)
        self._event(participant.conference, "participant-modify", participant)

    def set_end_on_exit(self, participant: Participant, end_on_exit: bool) -> None:
        participant.end_on_exit = end_on_exit
        participant.touch()
        self._event(participant.conference, "participant-modify", participant)

    # ------------------------------------------------------------------ hearing
    @staticmethod
    def in_the_mix(speaker: Participant) -> bool:
        """Whether the room hears ``speaker`` (and its recording holds them): not a coach."""
        return speaker.conference.status == "in-progress" and not (
            speaker.muted or speaker.hold or speaker.coaching
        )

    def listeners(self, speaker: Participant) -> list[Participant]:
        """Who hears ``speaker``: the rules of the module docstring."""
        conference = speaker.conference
        if conference.status != "in-progress" or speaker.muted or speaker.hold:
            return []
        others = [p for p in conference.present() if p is not speaker and not p.hold]
        if speaker.coaching:
            return [p for p in others if p.call.sid == speaker.call_sid_to_coach]
        return others

    def speak(self, call: Call, text: str) -> list[Call] | None:
        """The far end of ``call`` says ``text`` in its conference; the calls that heard it.

        ``None`` when the call is in no conference.
        """
        participant = self.of_call(call)
        if participant is None:
            return None
        heard_by = self.listeners(participant)
        source = "coach" if participant.coaching else "speech"
        conference = participant.conference
        self._event(conference, "participant-speech-start", participant)
        heard = Heard(source, speaker=call.sid, text=text, conference=conference.sid)
        self._hear(heard_by, heard)
        if self.in_the_mix(participant):
            self.engine.recordings.capture_conference(conference.sid, call.sid, say_seconds(text))
        return [p.call for p in heard_by]

    def of_call(self, call: Call) -> Participant | None:
        """The conference participant ``call`` is, if it is in one now."""
        for conference in self.all.values():
            found = conference.participants.get(call.sid)
            if found is not None and found.joined and not found.gone:
                return found
        return None

    def announce(self, conference: Conference, url: str, method: str, only: Participant | None):
        """Play ``url`` (TwiML or audio) to everyone, or to one participant."""
        targets = [only] if only is not None else list(conference.present())

        async def play() -> None:
            params = {
                "AccountSid": conference.account_sid,
                "ConferenceSid": conference.sid,
                "FriendlyName": conference.friendly_name,
            }
            heard = await audio_of(self.engine.notifier.webhooks, url, method, params)
            if heard is None:
                self._event(conference, "announcement-fail", AnnounceUrl=url)
                return
            for item in heard:
                self._hear(targets, item.named("announcement", conference.sid))
            self._event(conference, "announcement-end", AnnounceUrl=url)

        self.engine.spawn(play())

    def _wait_music(self, participant: Participant) -> None:
        self._play_to(participant, participant.wait_url, participant.wait_method, "wait-music")

    def _play_to(self, participant: Participant, url: str | None, method: str, kind: str) -> None:
        """Music for one participant: Twilio's own, or what ``url`` answers (TwiML or audio)."""
        conference = participant.conference
        if not url:
            return
        if url == DEFAULT_MUSIC:
            self._hear([participant], Heard(kind, url=url, conference=conference.sid))
            return

        async def play() -> None:
            params = self.engine.notifier.base_params(participant.call)
            params["ConferenceSid"] = conference.sid
            heard = await audio_of(self.engine.notifier.webhooks, url, method, params)
            for item in heard or [Heard(kind, url=url, note="fetch failed")]:
                self._hear([participant], item.named(kind, conference.sid))

        self.engine.spawn(play())

    @staticmethod
    def _hear(listeners: list[Participant], heard: Heard) -> None:
        for participant in listeners:
            hear(participant.call, heard)

    # ------------------------------------------------------------------ callbacks
    def _event(
        self, conference: Conference, event: str, participant: Participant | None = None, **extra
    ) -> None:
        """A conference status callback, if the event's family was asked for."""
        call_sid = participant.call.sid if participant else None
        conference.transcript.add("event", name=event, call_sid=call_sid)
        wanted = EVENT_FAMILY[event] in conference.status_callback_events
        if not conference.status_callback or not wanted:
            return
        params = {
            "AccountSid": conference.account_sid,
            "ConferenceSid": conference.sid,
            "FriendlyName": conference.friendly_name,
            "StatusCallbackEvent": event,
            "Timestamp": rfc2822(utcnow()) or "",
            "SequenceNumber": str(conference.callback_seq),
        }
        conference.callback_seq += 1
        if participant is not None:
            params.update(participant.callback_params())
        params.update({k: str(v) for k, v in extra.items()})
        self.engine.notifier.post(
            conference,
            "conference-status",
            conference.status_callback,
            conference.status_callback_method,
            params,
        )
