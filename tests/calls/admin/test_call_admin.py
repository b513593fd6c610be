"""The supervisors' calls admin: finding calls, reading one with its legs,
events and redirects, and the "Hang up" and "Redirect to URL…" actions, which
record a Redirect with the supervisor's name."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.admin_base import EstimatedCountPaginator
from calls.models import Call, CallStatus, Redirect, Source
from conversations import services as conversation_services
from conversations.models import ActionState, ConversationAction, Role
from queues.transfers import CONSULT
from recordings.models import RecordingAction, RecordingActionKind
from tests.api.records import make_call, make_event, make_leg, make_redirect
from tests.queues.agent_day import conference_callback
from tests.recordings.conftest import recording_of
from tests.support.floor_records import AGENT_NAME, CONTACT_NAME, a_busy_floor

CHANGELIST = "/admin/calls/call/"
STUDIO_FLOW = "https://webhooks.twilio.com/v1/Accounts/AC" + "1" * 32 + "/Flows/FW" + "2" * 32


def listed(response) -> list[Call]:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def named(calls: list[Call]) -> str:
    """The calls as a message names them: newest first, by their parties and time."""
    return "; ".join(str(call) for call in sorted(calls, key=lambda call: -call.pk))


class TestChangelist:
    def test_search_by_sid_or_by_number_in_any_format(self, supervisor):
        wanted = make_call(to_number="+14155551212")
        make_call()

        assert listed(supervisor.get(CHANGELIST, {"q": wanted.sid})) == [wanted]
        assert listed(supervisor.get(CHANGELIST, {"q": "(415) 555-1212"})) == [wanted]
        assert listed(supervisor.get(CHANGELIST, {"q": "+1 415 555 0100"})) == [
            Call.objects.first(),
            wanted,
        ]

    def test_filters_by_status_direction_and_outcome(self, supervisor):
        machine = make_call(outcome="answered-machine", status=CallStatus.COMPLETED)
        make_call(outcome="answered-human", status=CallStatus.COMPLETED)
        make_call(direction="inbound")

        assert listed(supervisor.get(CHANGELIST, {"outcome": "answered-machine"})) == [machine]
        assert len(listed(supervisor.get(CHANGELIST, {"status__exact": "completed"}))) == 2
        assert len(listed(supervisor.get(CHANGELIST, {"direction__exact": "inbound"}))) == 1

    def test_drills_down_by_date(self, supervisor):
        old = make_call()
        Call.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
        make_call()

        year = (timezone.now() - timedelta(days=400)).year
        response = supervisor.get(CHANGELIST, {"created_at__year": year})

        assert listed(response) == [old]

    def test_a_page_costs_the_same_queries_for_many_calls(
        self, supervisor, django_assert_max_num_queries
    ):
        a_busy_floor(callers=45)  # 45 callers and their agent's legs, 1 campaign call
        for _ in range(5):
            make_leg(make_call(), status=CallStatus.COMPLETED)

        # session, user, permissions (2), estimated and exact count, page, date range,
        # dates, and the parties' names: our numbers, queue stays, campaign attempts
        with django_assert_max_num_queries(12):
            response = supervisor.get(CHANGELIST)
            assert len(listed(response)) == 100
        page = response.content.decode()
        assert page.count(AGENT_NAME) >= 45  # each leg's callee, each caller's agent
        assert CONTACT_NAME in page

    @pytest.mark.postgres
    def test_a_big_table_is_not_counted_row_by_row(self, supervisor, monkeypatch):
        monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 20)
        for _ in range(30):
            make_call()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE calls_call")

        with CaptureQueriesContext(connection) as queries:
            response = supervisor.get(CHANGELIST)

        assert response.context["cl"].result_count == 30
        assert not [query for query in queries if "COUNT(" in query["sql"]]

    @pytest.mark.postgres
    def test_a_big_filtered_result_is_not_counted_row_by_row(self, supervisor, monkeypatch):
        monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 20)
        for _ in range(30):
            make_call(status=CallStatus.BUSY)
        make_call(status=CallStatus.COMPLETED)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE calls_call")

        with CaptureQueriesContext(connection) as queries:
            response = supervisor.get(CHANGELIST, {"status__exact": "busy"})

        assert 20 <= response.context["cl"].result_count <= 31
        assert len(listed(response)) == 30
        assert not [query for query in queries if "COUNT(" in query["sql"]]

    def test_the_date_drilldown_offers_the_months_between_the_first_and_last_call(self, supervisor):
        for moment in ("2026-01-15T10:00Z", "2026-03-02T10:00Z"):
            Call.objects.filter(pk=make_call().pk).update(created_at=moment)

        with CaptureQueriesContext(connection) as queries:
            page = supervisor.get(CHANGELIST).content.decode()

        assert [month in page for month in ("January", "February", "March", "April")] == [
            True,
            True,
            True,
            False,
        ]
        assert not [query for query in queries if "DISTINCT" in query["sql"].upper()]
        assert len([query for query in queries if "MIN(" in query["sql"].upper()]) == 1

    def test_a_small_filtered_result_is_counted_exactly(self, supervisor):
        make_call(status=CallStatus.BUSY)
        make_call(status=CallStatus.COMPLETED)

        response = supervisor.get(CHANGELIST, {"status__exact": "busy"})

        assert response.context["cl"].result_count == 1

    def test_a_filtered_page_does_not_count_the_whole_table(self, supervisor):
        make_call()
        response = supervisor.get(CHANGELIST, {"status__exact": "in-progress"})

        assert response.context["cl"].full_result_count is None


def in_a_conversation(call: Call, user, *, holds: int) -> None:
    """The call's live conference as Twilio told it: the customer and Ann in the room,
    the customer held `holds` times (each asked by `user` and done) while Ann consulted
    a colleague; and its recording, paused by `user`."""
    conference = conversation_services.conference_open(call)
    leg = make_leg(call)
    ann = conversation_services.participant_expect(
        conference, role=Role.AGENT, label="Ann", endpoint=leg.to_number, leg=leg
    )
    conversation_services.participant_dialed(ann, leg.sid)
    script = [
        ("conference-start", ""),
        ("participant-join", call.sid),
        ("participant-join", leg.sid),
    ]
    script += [(event, call.sid) for event in ("participant-hold", "participant-unhold")] * holds
    start = timezone.now() - timedelta(minutes=5)
    for sequence, (event, who) in enumerate(script):
        held = event == "participant-hold"
        conference_callback(
            conference, event, sequence, start + timedelta(seconds=sequence), who, held
        )
    for kind in ["hold", "unhold"] * holds + [CONSULT.name]:
        ConversationAction.objects.create(
            call=call,
            conference=conference,
            kind=kind,
            participant=ann if kind == CONSULT.name else None,
            state=ActionState.DONE,
            requested_by=user,
            finished_at=timezone.now(),
        )
    RecordingAction.objects.create(
        recording=recording_of(call), kind=RecordingActionKind.PAUSE, requested_by=user
    )


class TestOneCall:
    def test_shows_its_legs_events_and_redirects_read_only(self, supervisor):
        call = make_call(status=CallStatus.COMPLETED)
        make_leg(call, status=CallStatus.COMPLETED)
        make_event(call, "ringing", 1)
        make_redirect(call, requested_by=supervisor.user, state="done")

        response = supervisor.get(f"{CHANGELIST}{call.pk}/change/")

        assert response.status_code == 200
        page = response.content.decode()
        assert "Leg dialed to +1 415-555-0123" in page
        assert f'data-copy="{call.sid}"' in page
        assert "ringing" in page
        assert "https://flows.example.com/survey" in page
        assert supervisor.user.username in page
        assert 'name="_save"' not in page

    def test_in_a_fixed_number_of_queries(self, supervisor, django_assert_max_num_queries):
        call = make_call()
        for sequence in range(10):
            make_leg(call)
            make_event(call, "ringing", sequence)
            make_redirect(call, requested_by=supervisor.user)
        in_a_conversation(call, supervisor.user, holds=3)

        # session, user, call, its parties' names (3), permissions (2), legs and their
        # names (4), events, redirects, content type; the conversation: its conference,
        # who is in the room, the transfer pickers' options (available agents, queues,
        # the queue the caller is in, agents already in the room); its recordings, what
        # was asked of them and by whom; the
        # timeline: legs and their names (4), events, redirects, conference callbacks
        # (its moments and holds), who held (participants), conversation actions (its
        # moments and transfers), queue stays (and the queues transfers went to),
        # campaign attempt, survey answers
        with django_assert_max_num_queries(34) as captured:
            response = supervisor.get(f"{CHANGELIST}{call.pk}/change/")

        for table in ("conversations_conferenceevent", "conversations_conversationaction"):
            assert sum(f'FROM "{table}"' in q["sql"] for q in captured.captured_queries) == 1
        page = response.content.decode()
        assert page.count("Customer on hold") == 3 and "Consulting +14155550123" in page
        assert 'data-role="agent"' in page and "Pause by" in page

    def test_there_is_no_adding_or_deleting_by_hand(self, supervisor):
        call = make_call()

        assert supervisor.get(f"{CHANGELIST}add/").status_code == 403
        assert supervisor.post(f"{CHANGELIST}{call.pk}/delete/", {"post": "yes"}).status_code == 403
        assert Call.objects.filter(pk=call.pk).exists()


def run_action(client, action: str, calls: list[Call], **fields):
    data = {"action": action, "_selected_action": [call.pk for call in calls], **fields}
    return client.post(CHANGELIST, data)


class TestHangUp:
    def test_asks_first_on_a_page_listing_the_calls(self, supervisor):
        calls = [make_call(), make_call()]

        one = run_action(supervisor, "hang_up", calls[:1], index=0).content.decode()
        both = run_action(supervisor, "hang_up", calls, index=0).content.decode()

        assert "Hang up this call?" in one
        assert "Hang up these 2 calls?" in both and all(str(call) in both for call in calls)
        assert 'name="apply" value="Hang up"' in both
        assert not Redirect.objects.exists()

    def test_records_a_hang_up_by_the_supervisor(self, supervisor):
        calls = [make_call(), make_call(status=CallStatus.RINGING)]

        response = run_action(supervisor, "hang_up", calls, index=0, apply="Hang up")

        assert response.status_code == 302
        assert messages_of(response) == [f"Hang up requested: 2 calls ({named(calls)})."]
        for call in calls:
            redirect = call.redirects.get()
            assert redirect.target_status == "completed"
            assert (redirect.origin, redirect.requested_by) == (Source.ADMIN, supervisor.user)

    def test_an_ended_call_is_reported_and_skipped(self, supervisor):
        live, ended = make_call(), make_call(status=CallStatus.COMPLETED)

        response = run_action(supervisor, "hang_up", [live, ended], index=0, apply="Hang up")

        assert messages_of(response)[0] == f"Hang up requested: 1 call ({live})."
        assert f"{ended}: refused." in messages_of(response)[1]
        assert live.redirects.exists()
        assert not ended.redirects.exists()

    def test_a_viewer_is_not_offered_the_actions(self, admin_as):
        viewer = admin_as("Viewers")
        call = make_call()

        page = viewer.get(CHANGELIST)
        response = run_action(viewer, "hang_up", [call], index=0)

        assert page.context["action_form"] is None
        assert response.status_code == 200
        assert not Redirect.objects.exists()


class TestRedirectToUrl:
    def test_asks_for_the_url_on_an_intermediate_page(self, supervisor):
        call = make_call()

        response = run_action(supervisor, "redirect_to_url", [call], index=0)

        assert response.status_code == 200
        assert response.templates[0].name == "admin/calls/action_form.html"
        page = response.content.decode()
        assert "Redirect this call?" in page
        assert "+1 415-555-0100 → +1 415-555-0123" in page
        assert 'name="url"' in page
        assert 'name="apply"' in page
        assert not Redirect.objects.exists()

    def test_redirects_each_call_with_the_supervisor_recorded(self, supervisor):
        calls = [make_call(), make_call()]

        response = run_action(
            supervisor,
            "redirect_to_url",
            calls,
            apply="Redirect",
            url="https://flows.example.com/survey",
            method="POST",
            fallback_method="POST",
        )

        assert response.status_code == 302
        assert messages_of(response) == [f"Redirect requested: 2 calls ({named(calls)})."]
        for call in calls:
            redirect = call.redirects.get()
            assert redirect.url == "https://flows.example.com/survey"
            assert (redirect.origin, redirect.requested_by) == (Source.ADMIN, supervisor.user)

    def test_schedules_it_for_a_later_moment(self, supervisor):
        at = timezone.localtime() + timedelta(hours=1)

        run_action(
            supervisor,
            "redirect_to_url",
            [make_call()],
            apply="Redirect",
            url="https://flows.example.com/survey",
            method="POST",
            fallback_method="POST",
            at_0=at.strftime("%Y-%m-%d"),
            at_1=at.strftime("%H:%M:%S"),
        )

        redirect = Redirect.objects.get()
        assert (redirect.state, redirect.trigger) == ("scheduled", "at")
        assert redirect.due_at == at.replace(microsecond=0)

    @pytest.mark.parametrize(
        "fields, field, message",
        [
            ({"url": "", "twiml": ""}, "url", "Give a URL or TwiML"),
            ({"url": "https://a.example.com/", "twiml": "<Response/>"}, "twiml", "not both"),
            ({"twiml": "<Response><Say>"}, "twiml", "not well-formed"),
            ({"url": "https://a.example.com/", "method": "PUT"}, "method", "PUT"),
            (
                {"url": "https://a.example.com/", "at_0": "2001-01-01", "at_1": "00:00"},
                "at",
                "future",
            ),
            ({"url": STUDIO_FLOW}, "url", "Studio Flow"),
        ],
    )
    def test_bad_input_shows_the_error_on_the_form_and_changes_nothing(
        self, supervisor, fields, field, message
    ):
        calls = [make_call(status=CallStatus.RINGING), make_call()]
        defaults = {"apply": "Redirect", "method": "POST", "fallback_method": "POST"}

        response = run_action(supervisor, "redirect_to_url", calls, **{**defaults, **fields})

        assert response.status_code == 200
        errors = response.context["form"].errors
        assert message in " ".join(errors[field])
        assert f'name="{field}' in response.content.decode()
        assert not Redirect.objects.exists()


class TestPlaceCall:
    URL = f"{CHANGELIST}place/"
    FORM = {
        "to": "(415) 555-1212",
        "from_": "+14155550100",
        "url": "https://flows.example.com/a",
        "method": "POST",
        "fallback_method": "POST",
        "if_machine": "none",
        "timeout": 60,
    }

    def test_places_a_pending_call_and_opens_it(self, supervisor):
        response = supervisor.post(self.URL, self.FORM)

        call = Call.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"{CHANGELIST}{call.pk}/change/"
        assert (call.to_number, call.status, call.source) == ("+14155551212", "pending", "admin")
        assert call.created_by == supervisor.user

    def test_a_bad_number_is_shown_on_its_field(self, supervisor):
        response = supervisor.post(self.URL, {**self.FORM, "to": "12"})

        assert response.status_code == 200
        assert response.context["form"].errors["to"]
        assert not Call.objects.exists()

    def test_only_for_those_who_may_place_calls(self, admin_as):
        assert admin_as("Viewers").get(self.URL).status_code == 403
        assert b"Place a call" not in admin_as("Viewers").get(CHANGELIST).content
        assert b"Place a call" in admin_as("Supervisors").get(CHANGELIST).content
