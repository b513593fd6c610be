"""Recordings of calls and conferences: their states, their callbacks, their sound.

A recording keeps what it captured as a timeline in simulated seconds: spans
while it records (with who spoke when), spans while paused (silence or
nothing, as ``PauseBehavior`` says). The media is rendered from that timeline
(``wav.render``), so its duration is the recording's and a pause kept as
silence is that many seconds of silence.

Sources follow Twilio: ``RecordVerb``, ``DialVerb``, ``Conference``,
``OutboundAPI`` (``Record=true`` on create), ``StartCallRecordingAPI``.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from voicesim.calls import Call, new_sid
from voicesim.clock import rfc2822, utcnow
from voicesim.transcript import Transcript
from voicesim.wav import Tone, render

if TYPE_CHECKING:
    from voicesim.conference import Conference
    from voicesim.engine import Engine

RECORDING_EVENTS = frozenset({"in-progress", "completed", "absent"})


@dataclass
class Span:
    """A stretch of the timeline: recording, or paused (kept as silence or skipped)."""

    kind: str  # "recording" | "silence" | "skip"
    start: float
    end: float | None = None


@dataclass
class Recording:
    """One recording resource, live or done."""

    sid: str
    account_sid: str
    source: str
    transcript: Transcript
    call_sid: str | None = None
    conference_sid: str | None = None
    channels: int = 1
    track: str = "both"
    status: str = "in-progress"
    pause_behavior: str = "silence"
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: frozenset[str] = frozenset({"completed"})
    spans: list[Span] = field(default_factory=list)
    #: (simulated second, length, speaker) of every sound captured
    sounds: list[tuple[float, float, str]] = field(default_factory=list)
    date_created: datetime = field(default_factory=utcnow)
    date_updated: datetime = field(default_factory=utcnow)
    deleted: bool = False

    @property
    def is_live(self) -> bool:
        return self.status in ("in-progress", "paused")

    def length(self) -> float:
        """Seconds of media: recorded spans and pauses kept as silence."""
        return sum((s.end or s.start) - s.start for s in self.spans if s.kind != "skip")

    def duration(self) -> str:
        return "-1" if self.is_live else str(round(self.length()))

    def tones(self) -> list[Tone]:
        """Where each captured sound falls in the media."""
        tones: list[Tone] = []
        offset = 0.0
        for span in self.spans:
            end = span.end if span.end is not None else span.start
            if span.kind == "recording":
                for at, length, speaker in self.sounds:
                    start, stop = max(at, span.start), min(at + length, end)
                    if stop > start:
                        tones.append(Tone(offset + start - span.start, stop - start, speaker))
            if span.kind != "skip":
                offset += end - span.start
        return tones

    def media(self) -> bytes:
        return render(self.length(), self.tones())

    def base_uri(self) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/Recordings/{self.sid}"

    def touch(self) -> None:
        self.date_updated = utcnow()

    def to_json(self, base_url: str, scope: str = "account") -> dict[str, Any]:
        """The recording resource as the account, a call or a conference lists it."""
        body: dict[str, Any] = {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "call_sid": self.call_sid,
            "conference_sid": self.conference_sid,
            "date_created": rfc2822(self.date_created),
            "date_updated": rfc2822(self.date_updated),
            "start_time": rfc2822(self.date_created),
            "duration": self.duration(),
            "sid": self.sid,
            "price": None,
            "price_unit": "USD",
            "status": self.status,
            "channels": self.channels,
            "source": self.source,
            "error_code": None,
            "encryption_details": None,
        }
        if scope == "call":
            body["uri"] = (
                f"/2010-04-01/Accounts/{self.account_sid}/Calls/{self.call_sid}"
                f"/Recordings/{self.sid}.json"
            )
            body["track"] = self.track
        elif scope == "conference":
            body["uri"] = (
                f"/2010-04-01/Accounts/{self.account_sid}/Conferences/{self.conference_sid}"
                f"/Recordings/{self.sid}.json"
            )
        else:
            body["uri"] = self.base_uri() + ".json"
            body["media_url"] = base_url + self.base_uri()
            body["subresource_uris"] = {
                "transcriptions": self.base_uri() + "/Transcriptions.json",
                "add_on_results": self.base_uri() + "/AddOnResults.json",
            }
        return body


class Recordings:
    """Every recording of the account, and the sounds captured into the live ones."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.all: OrderedDict[str, Recording] = OrderedDict()

    def start(
        self,
        source: str,
        call: Call | None = None,
        conference: Conference | None = None,
        callback: tuple[str | None, str, frozenset[str]] = (None, "POST", frozenset()),
        channels: int = 1,
    ) -> Recording:
        """Start recording ``call`` (or ``conference``) now."""
        now = self.engine.clock.now()
        url, method, events = callback
        recording = Recording(
            sid=new_sid("RE"),
            account_sid=self.engine.account_sid,
            source=source,
            transcript=Transcript(self.engine.clock.now, now),
            call_sid=call.sid if call else None,
            conference_sid=conference.sid if conference else None,
            channels=channels,
            status_callback=url,
            status_callback_method=method,
            status_callback_events=events or frozenset({"completed"}),
            spans=[Span("recording", now)],
        )
        self.all[recording.sid] = recording
        owner = call or conference
        owner.transcript.add("recording-started", recording=recording.sid, source=source)
        if call is not None:
            call.on_end.append(lambda ended: self.stop(recording))
        self._callback(recording, "in-progress")
        return recording

    def live_for(self, call_sid: str) -> list[Recording]:
        return [r for r in self.all.values() if r.call_sid == call_sid and r.is_live]

    def pause(self, recording: Recording, behavior: str) -> None:
        if recording.status != "in-progress":
            return
        now = self.engine.clock.now()
        recording.spans[-1].end = now
        recording.spans.append(Span(behavior, now))
        self._move(recording, "paused")

    def resume(self, recording: Recording) -> None:
        if recording.status != "paused":
            return
        now = self.engine.clock.now()
        recording.spans[-1].end = now
        recording.spans.append(Span("recording", now))
        self._move(recording, "in-progress")

    def stop(self, recording: Recording) -> None:
        """Stop for good: the media is complete (Twilio's processing is instant here)."""
        if not recording.is_live:
            return
        recording.spans[-1].end = self.engine.clock.now()
        self._move(recording, "completed")
        self._callback(recording, "completed")

    def capture(self, call_sid: str, speaker: str, seconds: float) -> float:
        """A sound on ``call_sid``'s line goes into its live recordings; the moment it began."""
        now = self.engine.clock.now()
        for recording in self.live_for(call_sid):
            recording.sounds.append((now, seconds, speaker))
        return now

    def cut_short(self, call_sid: str, speaker: str, started: float) -> None:
        """The sound ``speaker`` began at ``started`` on the line stopped now (a <Say>
        interrupted by a live update): the recordings keep only what was heard."""
        now = self.engine.clock.now()
        for recording in self.live_for(call_sid):
            recording.sounds = [
                (at, min(length, now - at) if (at, who) == (started, speaker) else length, who)
                for at, length, who in recording.sounds
            ]

    def capture_conference(self, conference_sid: str, speaker: str, seconds: float) -> None:
        now = self.engine.clock.now()
        for recording in self.all.values():
            if recording.conference_sid == conference_sid and recording.is_live:
                recording.sounds.append((now, seconds, speaker))

    def stop_conference(self, conference_sid: str) -> None:
        for recording in list(self.all.values()):
            if recording.conference_sid == conference_sid:
                self.stop(recording)

    def _move(self, recording: Recording, status: str) -> None:
        recording.status = status
        recording.touch()
        recording.transcript.add("status", status=status)

    def _callback(self, recording: Recording, status: str) -> None:
        if not recording.status_callback or status not in recording.status_callback_events:
            return
        params = {
            "AccountSid": recording.account_sid,
            "CallSid": recording.call_sid or "",
            "RecordingSid": recording.sid,
            "RecordingUrl": self.engine.base_url + recording.base_uri(),
            "RecordingStatus": status,
            "RecordingDuration": recording.duration(),
            "RecordingChannels": str(recording.channels),
            "RecordingStartTime": rfc2822(recording.date_created) or "",
            "RecordingSource": recording.source,
            "RecordingTrack": recording.track,
        }
        if recording.conference_sid:
            params["ConferenceSid"] = recording.conference_sid
        self.engine.notifier.post(
            recording,
            "recording-status",
            recording.status_callback,
            recording.status_callback_method,
            params,
        )
