"""The official Twilio Node client drives conferences and participants, queues
and members, and recordings on voicesim (``node/scenarios.js``), as a Node back
office would; the simulator's transcripts show what each party went through.

The client is installed from ``node/package-lock.json`` with ``npm ci`` when
its modules are missing or older than the lock file; only a machine without
``node`` skips these tests.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.voicesim.conftest import ACCOUNT_SID, AUTH_TOKEN, App, Sim

# the first test may wait for ``npm ci`` as well
pytestmark = pytest.mark.timeout(300)

NODE_DIR = Path(__file__).parent / "node"
CENTER = "+14155550100"
_numbers = itertools.count(4155559000)


@pytest.fixture(scope="module")
def node() -> str:
    """``node``, with the Twilio client of the lock file installed beside the scenarios."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    lock, installed = NODE_DIR / "package-lock.json", NODE_DIR / "node_modules/.package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        npm = shutil.which("npm")
        assert npm, "node is installed without npm: the Twilio client cannot be installed"
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True, timeout=600
        )
    return node


def run(node: str, sim: Sim, scenario: str, options: dict[str, str]) -> dict[str, Any]:
    """What the scenario saw, every call placed from the call center's number."""
    env = dict(
        os.environ,
        VOICESIM_URL=sim.base_url,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
    )
    done = subprocess.run(
        [node, "scenarios.js", scenario, json.dumps({"from": CENTER, **options})],
        cwd=NODE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def person(sim: Sim) -> str:
    """A fresh number whose far end answers and stays on the line."""
    number = f"+1{next(_numbers)}"
    sim.phonebook(number, kind="human", answer_after=1, talk_for=10**6)
    return number


def test_node_runs_a_conference_with_its_participants(node: str, sim: Sim, app: App) -> None:
    announce = app.route("announce", "<Response><Say>The room closes soon</Say></Response>")

    parties = {"caller": person(sim), "agent": person(sim)}
    seen = run(node, sim, "conference", {**parties, "room": "node-room", "announceUrl": announce})

    caller, agent = seen["caller"], seen["agent"]
    assert seen["participants"] == sorted([caller, agent])
    assert seen["label"] == [agent, "agent"]
    assert [seen["held"], seen["listedHeld"], seen["muted"], seen["unheld"]] == [
        True, [caller], True, False
    ]  # fmt: skip
    assert [status for _, status in seen["recordings"]] == ["in-progress"]
    assert seen["left"] == [caller]
    assert seen["ended"] == "completed" and seen["fetched"] == ["node-room", "completed"]
    assert sim.heard(caller, "hold-music"), "the held caller heard the hold music"
    assert not sim.heard(agent, "hold-music")
    for party in (caller, agent):
        sim.wait_event(party, "heard", source="announcement", text="The room closes soon")
    sim.wait_event(agent, "conference-left")
    sim.wait_event(caller, "conference-left")


def test_node_runs_a_queue_and_dequeues_its_member(node: str, sim: Sim, app: App) -> None:
    dequeue = app.route("dequeue", "<Response><Say>An agent is free</Say></Response>")

    seen = run(
        node, sim, "queue", {"caller": person(sim), "name": "node-queue", "dequeueUrl": dequeue}
    )

    caller = seen["caller"]
    assert seen["created"] == ["node-queue", 10] and seen["resized"] == 20
    assert seen["members"] == [[caller, 1]] and seen["front"] == caller
    assert (seen["waiting"], seen["listed"], seen["dequeued"]) == (1, True, caller)
    assert seen["removed"] is True
    [hit] = app.wait_for("dequeue")
    assert hit.params["CallSid"] == caller
    sim.wait_event(caller, "say", text="An agent is free")
    sim.hang_up(caller)


def test_node_records_a_call_pauses_and_stops_and_deletes(node: str, sim: Sim) -> None:
    seen = run(node, sim, "recording", {"caller": person(sim)})

    recording = seen["recording"]
    # stopped, it is completed at once (Twilio's processing takes seconds)
    assert seen["statuses"] == ["in-progress", "paused", "in-progress", "completed"]
    assert seen["ofCall"] == [recording] and seen["listed"] == [recording]
    assert seen["fetched"] == [seen["call"], "completed", "StartCallRecordingAPI"]
    assert seen["media"] == [200, "audio/x-wav", "RIFF"]
    assert seen["afterRemoval"] == []
    sim.wait_status(seen["call"], "completed")
