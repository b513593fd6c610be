"""Webhooks say where the numbers of a call are, as far as the simulator knows:
city, state and ZIP from the phonebook file's ``places``, the country from the
number itself, nothing invented."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from twilio.rest import Client

from tests.voicesim.conftest import ACCOUNT_SID, AUTH_TOKEN, SPEED, App
from voicesim.process import SimulatorProcess, start_simulator
from voicesim.twilio_client import simulator_client

CENTER = "+14155550100"
LONDON = "+442079460000"
PLACE_KEYS = ("City", "State", "Zip", "Country")
PHONEBOOK = f"""
[places."{CENTER}"]
city = "SAN FRANCISCO"
state = "CA"
zip = "94105"
country = "US"
"""


@pytest.fixture(scope="module")
def placed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """A simulator whose phonebook file places the call center's number."""
    path: Path = tmp_path_factory.mktemp("places") / "phonebook.toml"
    path.write_text(PHONEBOOK)
    process: SimulatorProcess = start_simulator(
        *("--speed", str(SPEED), "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN),
        *("--phonebook", str(path)),
    )
    yield simulator_client(process.base_url, ACCOUNT_SID, AUTH_TOKEN)
    process.stop()


def test_webhooks_carry_the_places_the_phonebook_and_the_numbers_tell(
    placed: Client, app: App
) -> None:
    placed.calls.create(
        to=LONDON,
        from_=CENTER,
        url=app.route("answer", "<Response><Hangup/></Response>"),
        status_callback=app.url("status"),
    )

    [answer] = app.wait_for("answer")
    [completed] = app.wait_for("status")
    for hit in (answer, completed):
        assert hit.signature_ok
        geographic = {k: v for k, v in hit.params.items() if k.endswith(PLACE_KEYS)}
        assert geographic == {
            "FromCity": "SAN FRANCISCO",
            "FromState": "CA",
            "FromZip": "94105",
            "FromCountry": "US",
            "CallerCity": "SAN FRANCISCO",
            "CallerState": "CA",
            "CallerZip": "94105",
            "CallerCountry": "US",
            "ToCountry": "GB",  # no place in the file: the number's country only
            "CalledCountry": "GB",
        }
