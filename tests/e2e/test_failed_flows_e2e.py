"""End to end: a document Twilio cannot use is reported, and the caller is kept.

Every redirect the product sends and every call it places carry the
product's own FallbackUrl. A redirect whose URL fails is `failed` with
Twilio's ErrorCode and ErrorUrl on the board and the timeline; a caller
waiting in a queue goes back on hold at their place, any other caller hears
an apology. A placed call whose URL fails is never sent back to it.
"""

import pytest
from django.urls import reverse

from calls import services
from calls.models import Call, CallStatus, Redirect, RedirectState
from queues.models import EntryStatus, QueueEntry
from queues.twiml import REDIRECT_FAILED
from tests.queues.test_e2e import call_in, support  # noqa: F401  fixture: a queue on voicesim
from tests.support.admin_clients import admin_as, supervisor  # noqa: F401  fixtures
from tests.support.processes import wait_until
from tests.support.twiml import say_and_wait

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

CUSTOMER = "+14155551234"
SECOND_CALLER = "+14155551235"
CENTER = "+14155550100"
APOLOGY = "We are sorry, something went wrong on our side."
BOARD_ROWS = reverse("admin:console_board_rows")


def reload(call: Call) -> Call:
    return Call.objects.get(pk=call.pk)


def said(stack, sid: str | None) -> list[str]:
    """What the far end heard (nothing before the call reached voicesim)."""
    if not sid:
        return []
    return [entry["text"] for entry in stack.transcript(sid) if entry["event"] == "say"]


def failed(redirect: Redirect) -> Redirect | None:
    current = Redirect.objects.get(pk=redirect.pk)
    return current if current.state == RedirectState.FAILED else None


def test_a_redirect_to_a_broken_url_is_failed_and_the_caller_hears_an_apology(
    stack,
    user_app,
    supervisor,  # noqa: F811
    settings,
):
    settings.CONSOLE_ACTION_WAIT_SECONDS = 20  # the message waits until the failure is known
    broken = user_app.route("broken", (500, "Internal Server Error"))
    call = services.place_call(to=CUSTOMER, from_=CENTER, twiml=say_and_wait("Hello."))
    wait_until(lambda: "Hello." in said(stack, reload(call).sid), timeout=30)
    call = reload(call)

    action = reverse("admin:console_call_action", args=[call.pk, "redirect"])
    form = {"url": broken, "next": BOARD_ROWS, "confirmed": "yes"}
    answer = supervisor.post(action, form, follow=True)
    assert [str(message) for message in answer.context["messages"]] == [
        "Redirect the call to +1 415-555-1234: failed. "
        f"Twilio 11200: could not use {broken}; the caller was kept."
    ]
    redirect = Redirect.objects.get(call=call)
    assert (redirect.state, redirect.error_code, redirect.error_url) == ("failed", 11200, broken)
    wait_until(lambda: any(text.startswith(APOLOGY) for text in said(stack, call.sid)))
    assert reload(call).status == CallStatus.IN_PROGRESS
    assert len(user_app.hits_for("broken")) == 1

    board = supervisor.get(BOARD_ROWS).content.decode()
    assert "Failed: Twilio 11200" in board and broken in board
    timeline = supervisor.get(reverse("admin:console_call_timeline", args=[call.pk]))
    assert "Redirect: failed" in timeline.content.decode()
    assert f"Twilio 11200: {broken}" in timeline.content.decode()
    services.hang_up(call)


def test_a_users_own_fallback_still_wins_on_a_redirect(stack, user_app):
    broken = user_app.route("broken", (404, "Not Found"))
    backup = user_app.route("backup", say_and_wait("The backup speaking."))
    call = services.place_call(to=CUSTOMER, from_=CENTER, twiml=say_and_wait("Hello."))
    wait_until(lambda: "Hello." in said(stack, reload(call).sid), timeout=30)
    call = reload(call)

    redirect = services.request_redirect(call, url=broken, fallback_url=backup)
    [hit] = user_app.wait_for("backup", timeout=20)
    assert (hit.params["ErrorCode"], hit.params["ErrorUrl"]) == ("11200", broken)
    assert hit.signature_ok
    wait_until(lambda: "The backup speaking." in said(stack, call.sid))
    assert wait_until(lambda: failed(redirect)).error_url == broken
    services.hang_up(call)


def test_a_waiting_caller_whose_redirect_fails_is_back_on_hold_at_their_place(
    stack,
    user_app,
    support,  # noqa: F811
):
    broken = user_app.route("broken", (200, "this is not TwiML"))
    first_sid, first = call_in(stack, CUSTOMER)
    _second_sid, second = call_in(stack, SECOND_CALLER)

    redirect = services.request_redirect(first.call, url=broken, reason="live board")
    redirect = wait_until(lambda: failed(redirect), timeout=20)
    assert (redirect.error_code, redirect.error_url) == (12100, broken)
    wait_until(lambda: REDIRECT_FAILED in said(stack, first_sid))

    first, second = QueueEntry.objects.get(pk=first.pk), QueueEntry.objects.get(pk=second.pk)
    assert first.status == second.status == EntryStatus.WAITING
    assert (first.rank, first.pk) < (second.rank, second.pk)
    assert reload(first.call).status == CallStatus.IN_PROGRESS


def test_a_placed_call_whose_url_fails_is_never_sent_back_to_it(stack, user_app):
    broken = user_app.route("broken", (500, "Internal Server Error"))
    call = services.place_call(to=CUSTOMER, from_=CENTER, url=broken)
    wait_until(lambda: reload(call).status == CallStatus.COMPLETED, timeout=30)

    assert len(user_app.hits_for("broken")) == 1
    call = reload(call)
    assert (call.error_code, call.error_url) == ("11200", broken)
    assert [text for text in said(stack, call.sid) if text.startswith(APOLOGY)] != []
    assert len(said(stack, call.sid)) == 1


def test_a_later_document_that_fails_goes_to_the_users_fallback_once(stack, user_app):
    user_app.route("flow", "<Response><Redirect>broken</Redirect></Response>")
    broken = user_app.route("broken", (500, "Internal Server Error"))
    backup = user_app.route("backup", "<Response><Redirect>broken</Redirect></Response>")
    call = services.place_call(
        to=CUSTOMER, from_=CENTER, url=user_app.url("flow"), fallback_url=backup
    )
    wait_until(lambda: reload(call).status == CallStatus.COMPLETED, timeout=30)

    call = reload(call)
    assert (call.error_code, call.error_url) == ("11200", broken)
    assert len(user_app.hits_for("backup")) == 1
    assert len(user_app.hits_for("broken")) == 2
    assert [text for text in said(stack, call.sid) if text.startswith(APOLOGY)] != []
