"""Answering machine detection in its three modes.

``MachineDetection`` (sync: the TwiML waits for the verdict), ``AsyncAmd`` (the
TwiML runs at once, the verdict is posted) and the 2008 API's ``IfMachine``
(``DialStatus`` on the TwiML request, ``Hangup`` ends the call on a machine).
How long each verdict takes comes from the far end's behaviour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from voicesim.calls import Call, Source
from voicesim.phonebook import Behaviour

if TYPE_CHECKING:
    from voicesim.engine import Engine

API_2008 = "2008-08-01"
# Simulated seconds each verdict takes.
HUMAN_DETECTION = 2.0
MACHINE_START_DETECTION = 3.0
FAX_DETECTION = 1.0
BEEP_LENGTH = 0.5
SILENCE_AFTER_GREETING = 2.0


def is_machine(answered_by: str) -> bool:
    return answered_by.startswith("machine") or answered_by == "fax"


def verdict(call: Call, behaviour: Behaviour, mode: str) -> tuple[str, float]:
    """(AnsweredBy, seconds it took) for ``Enable`` or ``DetectMessageEnd``."""
    if behaviour.kind == "machine":
        if mode == "Enable":
            result, took = "machine_start", min(MACHINE_START_DETECTION, behaviour.greeting)
        elif behaviour.beep:
            result, took = "machine_end_beep", behaviour.greeting + BEEP_LENGTH
        else:
            result, took = "machine_end_silence", behaviour.greeting + SILENCE_AFTER_GREETING
    elif behaviour.kind == "fax":
        result, took = "fax", FAX_DETECTION
    else:
        result, took = "human", HUMAN_DETECTION
    if took > call.machine_detection_timeout:
        return "unknown", call.machine_detection_timeout
    return result, took


def record(call: Call, answered_by: str, took: float, mode: str) -> None:
    call.answered_by = answered_by
    call.transcript.add("amd", answered_by=answered_by, mode=mode, took=took)


class Detector:
    """Runs the detection a call asked for, on the engine's clock and webhooks."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.life = engine.life

    async def detect(self, call: Call, behaviour: Behaviour) -> dict[str, str] | None:
        """Run the detection asked for; the parameters it adds to the TwiML request.

        ``None`` when the call was hung up on a machine (2008 ``IfMachine=Hangup``).
        """
        if call.api_version == API_2008:
            return await self._detect_2008(call, behaviour)
        mode = call.machine_detection
        if not mode:
            return {}
        if call.send_digits:
            note = "Twilio ignores MachineDetection when SendDigits is given"
            call.transcript.add("amd-ignored", mode=mode, note=note)
            return {}
        if call.async_amd:
            self.engine.spawn(self._async_amd(call, behaviour, mode))
            return {}
        answered_by, took = verdict(call, behaviour, mode)
        await self.life.wait(call, took)
        record(call, answered_by, took, mode)
        return {"AnsweredBy": answered_by, "MachineDetectionDuration": str(int(took * 1000))}

    async def _detect_2008(self, call: Call, behaviour: Behaviour) -> dict[str, str] | None:
        """Seed 002: ``DialStatus`` says who answered; ``IfMachine=Hangup`` hangs up first."""
        if not call.if_machine:
            call.dial_status_2008 = "answered"
            return {"DialStatus": "answered"}
        mode = "DetectMessageEnd" if call.if_machine == "continue" else "Enable"
        answered_by, took = verdict(call, behaviour, mode)
        await self.life.wait(call, took)
        record(call, answered_by, took, mode)
        if not is_machine(answered_by):
            call.dial_status_2008 = "answered-human"
        elif call.if_machine == "continue":
            call.dial_status_2008 = "answered-machine"
        else:
            call.dial_status_2008 = "hangup-machine"
            self.life.finish(call, "completed", reason="IfMachine=Hangup")
            source = Source(call.url, call.method, extra={"DialStatus": "hangup-machine"})
            await self.engine.runner(call, behaviour).notify(source)
            return None
        return {"DialStatus": call.dial_status_2008}

    async def _async_amd(self, call: Call, behaviour: Behaviour, mode: str) -> None:
        """AsyncAmd: the TwiML runs at once, the verdict is posted when known."""
        answered_by, took = verdict(call, behaviour, mode)
        await self.engine.clock.sleep(took)
        if not call.is_live:
            return
        record(call, answered_by, took, mode)
        params = {
            "CallSid": call.sid,
            "AccountSid": call.account_sid,
            "AnsweredBy": answered_by,
            "MachineDetectionDuration": str(int(took * 1000)),
        }
        url, method = call.async_amd_callback, call.async_amd_callback_method
        self.engine.notifier.post(call, "amd-callback", url, method, params)
