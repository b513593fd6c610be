"""The 2008-08-01 front of seeds 000 and 002: Caller/Called in any format,
IfMachine with DialStatus on the TwiML request, CurrentUrl redirects, XML answers."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from tests.voicesim.conftest import ACCOUNT_SID, AUTH_TOKEN, HUMAN, MACHINE, App, Sim
from tests.voicesim.test_seed_000_redirects import (
    dial_representative_document,
    goodbye_document,
    hold_document,
)

CALLS = f"/2008-08-01/Accounts/{ACCOUNT_SID}/Calls"


@pytest.fixture
def api2008(sim: Sim) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, auth=(ACCOUNT_SID, AUTH_TOKEN)) as client:
        yield client


def call_of(answer: httpx.Response) -> Element:
    root = fromstring(answer.content)
    assert root.tag == "TwilioResponse"
    call = root.find("Call")
    assert call is not None, answer.text
    return call


def place_with_if_machine(
    api2008: httpx.Client, app: App, to: str, if_machine: str, say: str
) -> str:
    """Place a 2008 call whose handler says ``say``; its sid."""
    url = app.route("handler", f"<Response><Say>{say}</Say></Response>")
    answer = api2008.post(
        CALLS, data={"Caller": "4158675309", "Called": to, "Url": url, "IfMachine": if_machine}
    )
    return call_of(answer).findtext("Sid")


@pytest.mark.parametrize(
    ("caller", "extra", "shown_caller"),
    [
        ("4158675309", {}, "4158675309"),
        ("415-867-5309", {"Method": "GET"}, "4158675309"),
        ("866-867-5309", {"Method": "GET", "SendDigits": "1234#"}, "8668675309"),
    ],
)
def test_seed_002_creates_answer_twilio_response_xml(
    sim: Sim, app: App, api2008: httpx.Client, caller: str, extra: dict, shown_caller: str
) -> None:
    url = app.route("myhandler", "<Response><Say>Hello</Say></Response>")

    answer = api2008.post(
        CALLS, data={"Caller": caller, "Called": "4155551212", "Url": url, **extra}
    )

    assert answer.status_code == 201
    assert answer.headers["content-type"].startswith("application/xml")
    call = call_of(answer)
    sid = call.findtext("Sid")
    assert sid.startswith("CA") and len(sid) == 34
    assert call.findtext("AccountSid") == ACCOUNT_SID
    assert (call.findtext("Called"), call.findtext("Caller")) == ("4155551212", shown_caller)
    assert call.findtext("Status") == "0"
    assert call.findtext("PhoneNumberSid").startswith("PN")
    assert call.find("CallSegmentSid") is not None and call.findtext("Flags") == "1"
    hit = app.wait_for("myhandler")[0]
    assert hit.method == extra.get("Method", "POST")
    assert hit.signature_ok
    assert (hit.get("DialStatus"), hit.get("ApiVersion")) == ("answered", "2008-08-01")
    assert hit.get("To") == "+14155551212"
    if "SendDigits" in extra:
        assert sim.events(sid, "digits-sent")[0]["digits"] == "1234#"


@pytest.mark.parametrize(
    ("if_machine", "to", "dial_status"),
    [
        ("Continue", HUMAN, "answered-human"),
        ("Continue", MACHINE, "answered-machine"),
        ("Hangup", HUMAN, "answered-human"),
    ],
)
def test_if_machine_tells_the_application_who_answered(
    sim: Sim, app: App, api2008: httpx.Client, if_machine: str, to: str, dial_status: str
) -> None:
    sid = place_with_if_machine(api2008, app, to, if_machine, "Message for you")

    assert app.wait_for("handler")[0].get("DialStatus") == dial_status
    sim.wait_status(sid, "completed")
    assert [entry["text"] for entry in sim.events(sid, "say")] == ["Message for you"]


def test_if_machine_continue_leaves_the_message_after_the_beep(
    sim: Sim, app: App, api2008: httpx.Client
) -> None:
    sid = place_with_if_machine(api2008, app, MACHINE, "Continue", "Message for you")

    sim.wait_status(sid, "completed")
    answered = next(e["t"] for e in sim.events(sid, "status") if e["status"] == "in-progress")
    assert sim.events(sid, "say")[0]["t"] - answered >= 5


def test_if_machine_hangup_hangs_up_first_then_notifies_hangup_machine(
    sim: Sim, app: App, api2008: httpx.Client
) -> None:
    sid = place_with_if_machine(api2008, app, MACHINE, "Hangup", "Nobody should hear this")

    hit = app.wait_for("handler")[0]
    assert (hit.get("DialStatus"), hit.get("CallStatus")) == ("hangup-machine", "completed")
    assert sim.wait_status(sid, "completed")["dial_status"] == "hangup-machine"
    assert sim.events(sid, "say") == []


def test_seed_000_current_url_redirects_take_the_caller_off_hold(
    sim: Sim, app: App, api2008: httpx.Client
) -> None:
    answer = api2008.post(
        CALLS,
        data={
            "Caller": "4158675309",
            "Called": "4155551212",
            "Url": app.route("hold", hold_document()),
        },
    )
    sid = call_of(answer).findtext("Sid")
    sim.wait_event(sid, "play")
    instance = f"/2008-08-01/Account/{ACCOUNT_SID}/Calls/{sid}"

    redirected = api2008.post(
        instance,
        data={"CurrentUrl": app.route("dial-representitive", dial_representative_document())},
    )
    assert redirected.status_code == 200
    assert call_of(redirected).findtext("Status") == "1"
    leg = sim.wait_event(sid, "leg-connected")["leg"]
    api2008.post(instance, data={"CurrentUrl": app.route("goodbye", goodbye_document())})

    sim.wait_status(sid, "completed")
    assert sim.wait_status(leg, "completed")["to"] == "+14155556666"
    assert app.sequence() == ["hold", "dial-representitive", "goodbye"]
    ended = call_of(api2008.get(instance))
    assert ended.findtext("Status") == "2"


@pytest.mark.parametrize(
    ("data", "auth", "status", "code"),
    [
        (
            {"Caller": "4158675309", "Called": "4155551212", "Url": "http://127.0.0.1:9/"},
            ("AC", "x"),
            401,
            "20003",
        ),
        ({"Caller": "4158675309", "Url": "http://127.0.0.1:9/"}, None, 400, "21201"),
        (
            {
                "Caller": "4158675309",
                "Called": "4155551212",
                "Url": "http://127.0.0.1:9/",
                "Timeout": "1000",
            },
            None,
            400,
            "20001",
        ),
    ],
)
def test_2008_errors_answer_a_rest_exception(
    api2008: httpx.Client, data: dict, auth: tuple[str, str] | None, status: int, code: str
) -> None:
    answer = api2008.post(CALLS, data=data, **({"auth": auth} if auth else {}))

    assert answer.status_code == status
    error = fromstring(answer.content).find("RestException")
    assert (error.findtext("Status"), error.findtext("Code")) == (str(status), code)
    assert error.findtext("Message")
