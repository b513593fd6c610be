"""End to end: seed 002's hand-over to the user's URL, as Twilio does it.

The user's URL hears `DialStatus` where Twilio puts parameters (POST fields,
or the query of a GET), is told of a machine hung up on, and a call's
SendDigits still reach the far end when machines are detected (Twilio ignores
detection on a create that has SendDigits, and so does voicesim).
"""

import pytest

from calls import services
from calls.models import Call, CallStatus, Outcome
from tests.support.processes import wait_until
from tests.support.twiml import say_and_wait

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

CUSTOMER = "+14155551234"
CENTER = "+14155550100"
MACHINE = "+15550003001"  # voicesim's phonebook: an answering machine


def reload(call: Call) -> Call:
    return Call.objects.get(pk=call.pk)


def transcript_events(stack, call: Call, event: str) -> list[dict]:
    """What voicesim logged of `event` on the call (nothing before it reached voicesim)."""
    sid = reload(call).sid
    if not sid:
        return []
    return [entry for entry in stack.transcript(sid) if entry["event"] == event]


def said(stack, call: Call) -> list[str]:
    return [entry["text"] for entry in transcript_events(stack, call, "say")]


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_dial_status_reaches_the_users_url_where_twilio_puts_parameters(stack, user_app, method):
    url = user_app.route("flow", say_and_wait("Hello from your flow."))
    call = services.place_call(to=CUSTOMER, from_=CENTER, url=f"{url}?lang=en", method=method)
    [hit] = user_app.wait_for("flow", timeout=30)
    wait_until(lambda: "Hello from your flow." in said(stack, call), timeout=20)

    assert hit.method == method
    assert hit.signature_ok
    fields, query = hit.params, hit.query
    if method == "POST":
        assert fields["DialStatus"] == "answered"
        assert "DialStatus" not in query
        assert fields["CallSid"] == reload(call).sid
    else:
        assert fields == {}
        assert query["DialStatus"] == "answered"
        assert query["CallSid"] == reload(call).sid
    assert query["lang"] == "en"


def test_relative_urls_of_the_users_document_are_theirs(stack, user_app):
    user_app.route("flow", "<Response><Redirect>next</Redirect></Response>")
    user_app.route("next", say_and_wait("Second document."))
    call = services.place_call(to=CUSTOMER, from_=CENTER, url=user_app.url("flow"))
    user_app.wait_for("next", timeout=30)
    wait_until(lambda: "Second document." in said(stack, call), timeout=20)


def test_a_machine_hung_up_on_is_told_to_the_users_url_once(stack, user_app):
    url = user_app.route("flow", say_and_wait("This is for a person."))
    call = services.place_call(to=MACHINE, from_=CENTER, url=url, if_machine="hangup")
    wait_until(lambda: reload(call).status == CallStatus.COMPLETED, timeout=30)
    [hit] = user_app.wait_for("flow", timeout=20)

    assert hit.params["DialStatus"] == "hangup-machine"
    assert hit.signature_ok
    assert reload(call).outcome == Outcome.HANGUP_MACHINE
    assert "This is for a person." not in said(stack, call)
    assert len(user_app.hits_for("flow")) == 1


def test_send_digits_reach_a_person_after_the_machine_verdict(stack):
    call = place_with_extension(CUSTOMER)
    wait_until(lambda: "Connected to extension." in said(stack, call), timeout=30)
    call = reload(call)
    assert (call.outcome, call.answered_by) == (Outcome.ANSWERED_HUMAN, "human")
    events = [entry["event"] for entry in stack.transcript(call.sid)]
    [digits] = transcript_events(stack, call, "digits-sent")
    assert digits["digits"] == "1234#"
    assert events.index("amd") < events.index("digits-sent") < events.index("say")


def test_a_machine_with_send_digits_is_still_hung_up_on(stack):
    call = place_with_extension(MACHINE)
    wait_until(lambda: reload(call).status == CallStatus.COMPLETED, timeout=30)
    call = reload(call)
    assert (call.outcome, call.answered_by) == (Outcome.HANGUP_MACHINE, "machine_start")
    assert transcript_events(stack, call, "digits-sent") == []
    assert said(stack, call) == []


def place_with_extension(to: str) -> Call:
    """A call that dials extension 1234# and hangs up on machines."""
    return services.place_call(
        to=to,
        from_=CENTER,
        twiml=say_and_wait("Connected to extension."),
        if_machine="hangup",
        send_digits="1234#",
    )
