"""The Participants resource: dial someone into a conference, list, fetch,
update (hold, mute, coach, announce, end on exit) and remove."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from voicesim.conference import (
    CONFERENCE_EVENTS,
    DEFAULT_MUSIC,
    MAX_PARTICIPANTS,
    Conference,
    Participant,
)
from voicesim.errors import TwilioError, not_found
from voicesim.forms import (
    Form,
    bounded_int,
    check_bool,
    check_choice,
    check_events,
    check_method,
    check_url,
    parties,
    query_form,
    read_form,
)
from voicesim.rest_api import PREFIX, authenticated, engine_of, must_exist, page
from voicesim.rest_conferences import find_conference

BEEPS = ("true", "false", "onEnter", "onExit")


def conference_for_create(request: Request) -> Conference:
    """The path names a conference by SID, or by name (made when there is none)."""
    engine = authenticated(request)
    key = request.path_params["conference_sid"]
    conference = engine.conferences.find(key)
    if conference is None and key.startswith("CF") and len(key) == 34:
        raise not_found(request.url.path)
    if conference is None or not conference.is_live:
        conference = engine.conferences.named(conference.friendly_name if conference else key)
    return conference


def coached_sid(conference: Conference, coaching: bool | None, form: Form) -> str | None:
    """``CallSidToCoach`` must name a participant of the conference when coaching."""
    coached = form.get("CallSidToCoach") or None
    if coaching and not coached:
        raise TwilioError(400, 20001, "CallSidToCoach is required when Coaching is true")
    if coached and coached not in conference.participants:
        raise TwilioError(
            400, 20001, f"CallSidToCoach {coached} is not a participant of {conference.sid}"
        )
    return coached


async def create(request: Request) -> Response:
    engine = authenticated(request)
    form = await read_form(request)
    conference = conference_for_create(request)
    to_number, from_number = parties(form.get("To"), form.get("From"), ("To", "From"))
    engine.account_numbers.check_from(from_number)
    coaching = check_bool(form, "Coaching")
    coached = coached_sid(conference, coaching, form)
    wait_url = check_url(form.get("WaitUrl"), "WaitUrl", engine.local_hosts)
    participant_fields = {
        "label": form.get("Label") or None,
        "muted": bool(check_bool(form, "Muted")),
        "coaching": bool(coaching),
        "call_sid_to_coach": coached if coaching else None,
        "start_on_enter": check_bool(form, "StartConferenceOnEnter") is not False,
        "end_on_exit": bool(check_bool(form, "EndConferenceOnExit")),
        "beep": check_choice(form, "Beep", BEEPS, "true"),
        "wait_url": wait_url or (None if form.get("WaitUrl") == "" else DEFAULT_MUSIC),
        "wait_method": check_method(form.get("WaitMethod"), "WaitMethod"),
    }
    if participant_fields["label"] and any(
        p.label == participant_fields["label"] for p in conference.participants.values()
    ):
        raise TwilioError(400, 20001, f"Label {participant_fields['label']!r} is already in use")
    max_participants = bounded_int(form, "MaxParticipants", MAX_PARTICIPANTS, 2, MAX_PARTICIPANTS)
    conference_callback = check_url(
        form.get("ConferenceStatusCallback"), "ConferenceStatusCallback", engine.local_hosts
    )
    conference_method = check_method(
        form.get("ConferenceStatusCallbackMethod"), "ConferenceStatusCallbackMethod"
    )
    events = check_events(
        form.getlist("ConferenceStatusCallbackEvent"),
        CONFERENCE_EVENTS,
        "ConferenceStatusCallbackEvent",
        frozenset(),
    )
    call = engine.new_call(
        to=to_number,
        from_=from_number,
        status_callback=check_url(form.get("StatusCallback"), "StatusCallback", engine.local_hosts),
        status_callback_method=check_method(
            form.get("StatusCallbackMethod"), "StatusCallbackMethod"
        ),
        status_callback_events=check_events(form.getlist("StatusCallbackEvent")),
        timeout=bounded_int(form, "Timeout", 60, 5, 600),
        time_limit=bounded_int(form, "TimeLimit", 14400, 1, 86400),
    )
    participant = Participant(call=call, conference=conference, **participant_fields)
    call.seat = participant
    if not conference.participants:
        conference.max_participants = max_participants
    engine.conferences.listen(conference, conference_callback, conference_method, events)
    engine.conferences.expect(participant)
    engine.start(call)
    return JSONResponse(participant.to_json(), status_code=201)


async def list_participants(request: Request) -> Response:
    engine = authenticated(request)
    conference = find_conference(request, "conference_sid")
    form = query_form(request)
    participants = [p for p in conference.participants.values() if not p.gone]
    for key, attr in (("Muted", "muted"), ("Hold", "hold"), ("Coaching", "coaching")):
        wanted = check_bool(form, key)
        if wanted is not None:
            participants = [p for p in participants if getattr(p, attr) == wanted]
    path = (
        f"/2010-04-01/Accounts/{engine.account_sid}/Conferences/{conference.sid}/Participants.json"
    )
    return page(form, participants, "participants", path, Participant.to_json)


def find_participant(request: Request) -> Participant:
    conference = find_conference(request, "conference_sid")
    key = request.path_params["call_sid"]
    return must_exist(engine_of(request).conferences.participant(conference, key), request)


async def participant_detail(request: Request) -> Response:
    participant = find_participant(request)
    engine = engine_of(request)
    conferences = engine.conferences
    if request.method == "GET":
        return JSONResponse(participant.to_json())
    if request.method == "DELETE":
        if participant.joined:
            conferences.leave(participant, "removed via API", kicked=True)
        else:
            engine.life.hangup(participant.call, reason="removed via API")
        return Response(status_code=204)
    form = await read_form(request)
    muted = check_bool(form, "Muted")
    hold = check_bool(form, "Hold")
    hold_url = check_url(form.get("HoldUrl"), "HoldUrl", engine.local_hosts)
    hold_method = check_method(form.get("HoldMethod"), "HoldMethod")
    announce_url = check_url(form.get("AnnounceUrl"), "AnnounceUrl", engine.local_hosts)
    announce_method = check_method(form.get("AnnounceMethod"), "AnnounceMethod")
    wait_url = check_url(form.get("WaitUrl"), "WaitUrl", engine.local_hosts)
    wait_method = check_method(form.get("WaitMethod"), "WaitMethod")
    beep_on_exit = check_bool(form, "BeepOnExit")
    end_on_exit = check_bool(form, "EndConferenceOnExit")
    coaching = check_bool(form, "Coaching")
    coached = coached_sid(participant.conference, coaching, form)
    if coached == participant.call.sid:
        raise TwilioError(400, 20001, "CallSidToCoach cannot be the participant itself")
    if wait_url:
        participant.wait_url, participant.wait_method = wait_url, wait_method
    if beep_on_exit is not None:
        participant.beep = "onExit" if beep_on_exit else "false"
    if muted is not None:
        conferences.set_muted(participant, muted)
    if hold is not None or hold_url:
        conferences.set_hold(
            participant, participant.hold if hold is None else hold, hold_url, hold_method
        )
    if coaching is not None or coached:
        conferences.set_coaching(
            participant, coaching is not False, coached or participant.call_sid_to_coach
        )
    if end_on_exit is not None:
        conferences.set_end_on_exit(participant, end_on_exit)
    if announce_url:
        conferences.announce(
            participant.conference, announce_url, announce_method, only=participant
        )
    return JSONResponse(participant.to_json())


BASE = PREFIX + "/Conferences/{conference_sid}/Participants"
routes = [
    Route(BASE + ".json", create, methods=["POST"]),
    Route(BASE + ".json", list_participants, methods=["GET"]),
    Route(BASE + "/{call_sid}.json", participant_detail, methods=["GET", "POST", "DELETE"]),
]
