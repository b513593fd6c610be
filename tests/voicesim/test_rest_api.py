"""The 2010-04-01 Calls API through the real client: errors with Twilio's body,
list filters and paging, delete, and schema conformance of every answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.voicesim.conftest import ACCOUNT_SID, BUSY, HUMAN, App, Sim
from tests.voicesim.schema import ValidatingHttpClient
from twilio_rebase import RebasedHttpClient
from voicesim.process import start_simulator

ERROR_KEYS = {"code", "message", "more_info", "status"}


def refused(action, *args, **kwargs) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as caught:
        action(*args, **kwargs)
    return caught.value


def test_wrong_credentials_are_20003(sim: Sim) -> None:
    intruder = Client(ACCOUNT_SID, "wrong-token", http_client=RebasedHttpClient(sim.base_url))

    error = refused(intruder.calls("CA" + "0" * 32).fetch)

    assert (error.status, error.code) == (401, 20003)
    assert error.msg.endswith("Authenticate")
    answer = sim.http.get(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json")
    assert answer.status_code == 401
    assert set(answer.json()) == ERROR_KEYS


def test_an_unknown_call_is_20404(sim: Sim) -> None:
    error = refused(sim.client.calls("CA" + "0" * 32).fetch)

    assert (error.status, error.code) == (404, 20404)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"to": "", "url": "http://127.0.0.1:9/a"}, 21201),
        ({"to": HUMAN, "from_": "", "url": "http://127.0.0.1:9/a"}, 21213),
        ({"to": "not a number", "url": "http://127.0.0.1:9/a"}, 21211),
        ({"to": HUMAN, "url": "not a url"}, 21205),
        ({"to": HUMAN}, 21205),
        ({"to": HUMAN, "url": "http://127.0.0.1:9/a", "send_digits": "1" * 33}, 20001),
        ({"to": HUMAN, "url": "http://127.0.0.1:9/a", "record": "maybe"}, 20001),
        ({"to": HUMAN, "twiml": "<Response><Say>unclosed</Response>"}, 12100),
        ({"to": HUMAN, "url": "http://127.0.0.1:9/a", "status_callback_event": ["bogus"]}, 20001),
        ({"to": HUMAN, "url": "http://127.0.0.1:9/a", "timeout": 601}, 20001),
    ],
)
def test_invalid_creates_answer_twilio_errors_and_place_no_call(
    sim: Sim, params: dict[str, str], code: int
) -> None:
    before = len(sim.http.get("/sim/calls").json()["calls"])

    error = refused(sim.create, **params)

    assert (error.status, error.code) == (400, code)
    assert error.msg
    assert len(sim.http.get("/sim/calls").json()["calls"]) == before


def test_error_bodies_have_exactly_twilio_keys(sim: Sim) -> None:
    answer = httpx.post(
        f"{sim.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json",
        data={"From": "+14155550100", "Url": "http://127.0.0.1:9/a"},
        auth=(ACCOUNT_SID, "test-auth-token"),
    )

    body = answer.json()
    assert answer.status_code == 400
    assert set(body) == ERROR_KEYS
    assert (body["code"], body["status"]) == (21201, 400)
    assert body["more_info"] == "https://www.twilio.com/docs/errors/21201"


def test_list_filters_and_pages_through_the_client(sim: Sim) -> None:
    sids = {sim.create(to=BUSY, from_="+14155550142", twiml="<Response/>").sid for _ in range(6)}
    for sid in sids:
        sim.wait_status(sid, "busy")
    sim.create(to=HUMAN, from_="+14155550142", twiml="<Response/>")

    listed = sim.client.calls.list(from_="+14155550142", status="busy", page_size=2, limit=5)

    assert len(listed) == 5
    assert {call.sid for call in listed} <= sids
    assert all(call.status == "busy" for call in listed)
    page = sim.client.calls.page(from_="+14155550142", status="busy", page_size=2)
    pages = 1
    while page.next_page_url:
        page = page.next_page()
        pages += 1
    assert pages == 3


def test_list_filters_on_start_time(sim: Sim) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    call = sim.create(to=HUMAN, from_="+14155550143", twiml="<Response/>")
    sim.wait_status(call.sid, "completed")

    after = sim.client.calls.list(from_="+14155550143", start_time_after=before)
    earlier = sim.client.calls.list(from_="+14155550143", start_time_before=before)
    that_day = sim.client.calls.list(from_="+14155550143", start_time=before.date())

    assert [found.sid for found in after] == [call.sid]
    assert earlier == []
    assert [found.sid for found in that_day] == [call.sid]


def test_delete_removes_an_ended_call_and_refuses_a_live_one(sim: Sim) -> None:
    ended = sim.create(to=BUSY, twiml="<Response/>")
    sim.wait_status(ended.sid, "busy")
    live = sim.create(to=HUMAN, twiml='<Response><Pause length="600"/></Response>')
    sim.wait_status(live.sid, "in-progress")

    assert sim.client.calls(ended.sid).delete() is True
    assert refused(sim.client.calls(ended.sid).fetch).code == 20404
    assert refused(sim.client.calls(live.sid).delete).status == 400
    sim.hang_up(live.sid)


def test_every_operation_answers_what_the_openapi_description_says(sim: Sim) -> None:
    http_client = sim.client.http_client
    assert isinstance(http_client, ValidatingHttpClient)
    before = http_client.validated

    call = sim.create(to=HUMAN, twiml='<Response><Pause length="600"/></Response>')
    sim.wait_status(call.sid, "in-progress")
    sim.client.calls(call.sid).fetch()
    sim.client.calls(call.sid).update(twiml="<Response><Say>Bye</Say></Response>")
    sim.wait_status(call.sid, "completed")
    sim.client.calls.list(to=HUMAN, limit=3)
    sim.client.calls(call.sid).delete()

    assert http_client.validated - before == 5


def test_on_create_a_url_wins_over_twiml_and_on_update_both_are_refused(sim: Sim, app: App) -> None:
    url = app.route("answer", "<Response><Say>From the URL</Say></Response>")
    call = sim.create(to=HUMAN, url=url, twiml="<Response><Say>Inline</Say></Response>")

    sim.wait_event(call.sid, "say", text="From the URL")
    assert [e["text"] for e in sim.events(call.sid, "say")] == ["From the URL"]
    error = refused(sim.client.calls(call.sid).update, url=url, twiml="<Response/>")
    assert (error.status, error.code) == (400, 21205)
    sim.hang_up(call.sid)


def test_a_status_filter_outside_twilios_statuses_is_refused_by_name(sim: Sim) -> None:
    answer = sim.http.get(
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json",
        params={"Status": "answered"},
        auth=(ACCOUNT_SID, "test-auth-token"),
    )

    assert (answer.status_code, answer.json()["code"]) == (400, 20001)
    assert "Status" in answer.json()["message"]


def test_an_unanswered_call_has_the_start_time_of_its_dialing(sim: Sim) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    call = sim.create(to=BUSY, from_="+14155550144", twiml="<Response/>")
    sim.wait_status(call.sid, "busy")

    busy = sim.client.calls(call.sid).fetch()
    assert busy.start_time is not None and busy.start_time >= before
    found = sim.client.calls.list(from_="+14155550144", start_time_after=before)
    assert [c.sid for c in found] == [call.sid]


def test_the_next_page_is_anchored_on_the_last_sid_shown(sim: Sim) -> None:
    older = [sim.create(to=BUSY, from_="+14155550145", twiml="<Response/>").sid for _ in range(3)]

    first = sim.client.calls.page(from_="+14155550145", page_size=2)
    assert [c.sid for c in first] == older[::-1][:2]
    assert f"PageToken=PA{older[1]}" in first.next_page_url
    sim.create(to=BUSY, from_="+14155550145", twiml="<Response/>")
    second = first.next_page()

    assert [c.sid for c in second] == [older[0]]


def test_the_account_answers_as_a_credentials_check(sim: Sim) -> None:
    account = sim.client.api.v2010.accounts(ACCOUNT_SID).fetch()

    assert (account.sid, account.status, account.type) == (ACCOUNT_SID, "active", "Full")
    intruder = Client(ACCOUNT_SID, "wrong-token", http_client=RebasedHttpClient(sim.base_url))
    assert refused(intruder.api.v2010.accounts(ACCOUNT_SID).fetch).code == 20003


def test_given_its_numbers_the_account_calls_only_from_them_or_a_verified_caller_id() -> None:
    process = start_simulator(
        "--account-sid",
        ACCOUNT_SID,
        "--auth-token",
        "test-auth-token",
        "--number",
        "+14155550100",
        "--caller-id",
        "(415) 555-0199",
    )
    try:
        client = Client(
            ACCOUNT_SID, "test-auth-token", http_client=ValidatingHttpClient(process.base_url)
        )
        [number] = client.incoming_phone_numbers.list()
        assert number.phone_number == "+14155550100"
        assert client.incoming_phone_numbers(number.sid).fetch().capabilities["voice"] is True
        [caller_id] = client.outgoing_caller_ids.list(phone_number="+14155550199")
        assert client.outgoing_caller_ids(caller_id.sid).fetch().phone_number == "+14155550199"

        for allowed in ("+14155550100", "+14155550199"):
            client.calls.create(to=HUMAN, from_=allowed, twiml="<Response/>")
        error = refused(client.calls.create, to=HUMAN, from_="+14155550142", twiml="<Response/>")
        assert (error.status, error.code) == (400, 21210)
        assert "+14155550142" in error.msg
        assert len(client.calls.list()) == 2
    finally:
        process.stop()


def test_without_numbers_given_any_from_is_let_through(sim: Sim) -> None:
    assert sim.client.incoming_phone_numbers.list() == []
    call = sim.create(to=HUMAN, from_="+14155550142", twiml="<Response/>")
    assert call._from == "+14155550142"
