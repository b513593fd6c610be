"""End to end through the REST API: an integration's token from
`create_api_user`, a call placed over HTTP, dialed by the Celery worker through
voicesim, redirected and hung up with the API, read back with its events and
redirects."""

from io import StringIO

import httpx
import pytest
from django.core.management import call_command
from twilio.twiml.voice_response import VoiceResponse

from tests.support.processes import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def say_and_wait(text: str) -> str:
    response = VoiceResponse()
    response.say(text)
    response.pause(length=600)
    return str(response)


@pytest.fixture
def api(stack, live_server):
    out = StringIO()
    call_command("create_api_user", "crm", "--group", "Integrations", stdout=out)
    headers = {"Authorization": f"Token {out.getvalue().strip()}"}
    with httpx.Client(base_url=f"{live_server.url}/api/v1", headers=headers, timeout=10) as client:
        yield client


def test_a_call_placed_through_the_api_is_dialed_redirected_and_hung_up(stack, api):
    body = {"to": "(415) 555-1234", "from": "+14155550100", "twiml": say_and_wait("Hello.")}
    key = {"Idempotency-Key": "crm-order-1"}
    placed = api.post("/calls/", json=body, headers=key)
    assert placed.status_code == 202, placed.text
    call_url = f"/calls/{placed.json()['id']}/"

    def call_in(*statuses: str) -> dict | None:
        call = api.get(call_url).json()
        return call if call["status"] in statuses else None

    def said() -> list[str]:
        return [entry["text"] for entry in stack.transcript(sid) if entry["event"] == "say"]

    sid = wait_until(lambda: call_in("in-progress"), timeout=30)["sid"]
    retry = api.post("/calls/", json=body, headers=key)
    assert (retry.status_code, retry.json()["sid"]) == (202, sid)

    redirect = api.post(f"/calls/{sid}/redirect/", json={"twiml": say_and_wait("Goodbye.")})
    assert redirect.status_code == 202, redirect.text
    wait_until(lambda: "Goodbye." in said(), timeout=20)
    assert api.post(f"/calls/{sid}/hangup/", json={}).status_code == 202
    call = wait_until(lambda: call_in("completed"), timeout=20)

    assert call["to"] == "+14155551234"
    assert said() == ["Hello.", "Goodbye."]
    assert [redirect["state"] for redirect in call["redirects"]] == ["done", "done"]
    assert {"initiated", "ringing", "in-progress", "completed"} <= {
        event["call_status"] for event in call["events"]
    }
    dialed = [c for c in stack.calls() if c.get("to") == "+14155551234"]
    assert len(dialed) == 1
