"""A call placed through the real ``twilio`` client walks its life in voicesim."""

from __future__ import annotations

from tests.voicesim.conftest import Sim
from tests.voicesim.webhook_server import WebhookServer

HUMAN = "+14155550123"


def test_call_walks_to_completed_and_transcript_shows_what_was_said(
    sim: Sim, web: WebhookServer
) -> None:
    url = web.route("smoke/answer", "<Response><Say>Hello from the smoke test</Say></Response>")
    call = sim.create(to=HUMAN, url=url)

    assert call.status == "queued"
    assert sim.wait_status(call.sid, "completed")["status"] == "completed"
    said = [entry["text"] for entry in sim.events(call.sid, "say")]
    assert said == ["Hello from the smoke test"]
    assert sim.client.calls(call.sid).fetch().status == "completed"
