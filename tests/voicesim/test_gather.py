"""``<Gather>``: keys pressed by the far end (phonebook or /sim/) reach the action."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

from tests.voicesim.conftest import HUMAN, PRESSES_123, App, Sim


def menu(app: App, **options: object) -> str:
    gather = Gather(action=app.url("choice"), **options)
    gather.say("Press the number of your choice, then hash")
    response = VoiceResponse()
    response.append(gather)
    response.say("We did not receive any input. Goodbye")
    return str(response)


def test_digits_pressed_by_the_phonebook_reach_the_action(sim: Sim, app: App) -> None:
    app.route("choice", "<Response><Say>Thank you</Say></Response>")
    call = sim.create(to=PRESSES_123, url=app.route("menu", menu(app, timeout=3)))

    choice = app.wait_for("choice")[0]
    assert choice.get("Digits") == "123"
    assert choice.signature_ok
    sim.wait_status(call.sid, "completed")
    assert [entry["text"] for entry in sim.events(call.sid, "say")][-1] == "Thank you"
    assert sim.events(call.sid, "gather-result")[0]["digits"] == "123"


def test_num_digits_ends_the_gather_at_the_first_keys(sim: Sim, app: App) -> None:
    sim.create(to=PRESSES_123, url=app.route("menu", menu(app, num_digits=1)))

    assert app.wait_for("choice")[0].get("Digits") == "1"


def test_keys_pressed_through_sim_stop_the_prompt_and_finish_on_hash(sim: Sim, app: App) -> None:
    call = sim.create(to=HUMAN, url=app.route("menu", menu(app, timeout=100)))
    sim.wait_event(call.sid, "gather")

    answer = sim.http.post(f"/sim/calls/{call.sid}/digits", json={"digits": "42#"})

    assert answer.json() == {"sid": call.sid, "digits": "42#", "heard": True}
    choice = app.wait_for("choice")[0]
    assert (choice.get("Digits"), choice.get("FinishedOnKey")) == ("42", "#")
    pressed = sim.events(call.sid, "digits-pressed")[0]
    assert pressed["digits"] == "42#"


def test_a_gather_without_input_falls_through_to_the_next_verb(sim: Sim, app: App) -> None:
    call = sim.create(to=HUMAN, url=app.route("menu", menu(app, timeout=2)))

    sim.wait_status(call.sid, "completed")
    said = [entry["text"] for entry in sim.events(call.sid, "say")]
    assert said[-1] == "We did not receive any input. Goodbye"
    assert app.hits("choice") == []
