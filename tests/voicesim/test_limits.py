"""The account's calls-per-second pacing, read on the engine itself: the moment
a create is given to dial at must not depend on how busy the simulator was
between accepting the create and starting the call."""

from __future__ import annotations

import asyncio
import time

import pytest

from voicesim.calls import Call
from voicesim.engine import Engine
from voicesim.limits import Limits

SPEED = 1000.0  # one real millisecond is one simulated second


def created_and_started_late(delay_real_seconds: float) -> tuple[Call, Call]:
    """Two creates one after the other, the second started ``delay`` after it was accepted."""

    async def scenario() -> tuple[Call, Call]:
        engine = Engine("AC" + "0" * 32, "token", speed=SPEED, limits=Limits(calls_per_second=0.05))
        first = engine.new_call(to="+15550001000", from_="+15550009999", twiml="<Response/>")
        engine.start(first)
        second = engine.new_call(to="+15550001001", from_="+15550009999", twiml="<Response/>")
        time.sleep(delay_real_seconds)  # the event loop is busy elsewhere
        engine.start(second)
        await engine.shutdown()
        return first, second

    return asyncio.run(scenario())


def test_a_create_started_late_keeps_the_turn_counted_from_its_creation() -> None:
    first, second = created_and_started_late(0.005)  # 5 simulated seconds
    first_turn = first.created_sim + first.queue_wait
    second_turn = second.created_sim + second.queue_wait
    assert first.queue_wait == 0
    assert second_turn - first_turn == pytest.approx(20, abs=1e-9)  # one turn every 1/CPS
