"""The redirects admin: every change asked of a live call, and a cancel action
for the ones still waiting for their time."""

from datetime import timedelta

from django.contrib.messages import get_messages
from django.utils import timezone

from calls.models import RedirectState
from tests.api.records import make_call, make_redirect

CHANGELIST = "/admin/calls/redirect/"


def cancel(client, redirects):
    return client.post(
        CHANGELIST,
        {"action": "cancel", "_selected_action": [r.pk for r in redirects], "index": 0},
    )


def test_cancel_withdraws_scheduled_redirects_and_reports_the_others(supervisor):
    call = make_call()
    waiting = make_redirect(call, trigger="at", due_at=timezone.now() + timedelta(hours=1))
    sent = make_redirect(call, state=RedirectState.DONE)

    response = cancel(supervisor, [waiting, sent])

    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert messages[0] == f"Canceled: 1 redirect (Redirect of {call})."
    assert "Only a scheduled redirect can be canceled; this one is done." in messages[1]
    waiting.refresh_from_db()
    sent.refresh_from_db()
    assert (waiting.state, sent.state) == (RedirectState.CANCELED, RedirectState.DONE)
    assert supervisor.user.username in waiting.error_message


def test_filters_by_state_and_finds_a_call_by_sid(supervisor):
    call = make_call()
    failed = make_redirect(call, state=RedirectState.FAILED, error_code=21220)
    make_redirect(make_call())

    by_state = supervisor.get(CHANGELIST, {"state__exact": "failed"})
    by_call = supervisor.get(CHANGELIST, {"q": call.sid})

    assert list(by_state.context["cl"].result_list) == [failed]
    assert list(by_call.context["cl"].result_list) == [failed]


def test_a_page_costs_the_same_queries_for_many_redirects(
    supervisor, django_assert_max_num_queries
):
    for _ in range(40):
        make_redirect(make_call(), requested_by=supervisor.user)

    # session, user, permissions (2), estimated and exact count, page, date range, dates,
    # and the calls' parties' names: our numbers, queue stays, campaign attempts
    with django_assert_max_num_queries(12):
        response = supervisor.get(CHANGELIST)

    assert len(response.context["cl"].result_list) == 40
