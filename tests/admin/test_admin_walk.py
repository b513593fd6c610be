"""Every admin page a supervisor or a viewer can reach answers without a server
error: each changelist, add page (shown and submitted as it comes), change page
(shown and saved unchanged, as a browser would send it), each action on every
row, and the pages the apps add (uploads, placing a call, the live board and
timelines). Rows exist in every state a page treats apart: campaigns from
draft to canceled, calls with legs, events and redirects, callers on hold."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from calls.models import CallStatus
from campaigns.models import Campaign
from campaigns.services import dnc, lifecycle
from queues import services as queue_services
from queues.models import Queue, SurveyQuestion
from tests.api.records import make_call, make_event, make_leg, make_redirect
from tests.campaigns.factories import campaign, with_contacts

pytestmark = pytest.mark.django_db

ROWS_PER_MODEL = 6


class FormFields(HTMLParser):
    """The fields a browser would submit from the page's main form, as it shows them."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.inside = attributes.get("id") == self.form_id
        if not self.inside or "disabled" in attributes:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self.fields.append(
                (name, attributes.get("value") or ("on" if kind == "checkbox" else ""))
            )
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((attributes.get("value", ""), "selected" in attributes))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and self._options:
                chosen = [self._options[0][0]]
            self.fields += [(self._select, value) for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def submitted(page, form_id: str) -> dict[str, list[str]]:
    parser = FormFields(form_id)
    parser.feed(page.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return data


def every_kind_of_row() -> None:
    call_command("seed_demo")
    for state_moves in ([], ["start"], ["start", "pause"], ["start", "cancel"]):
        target = campaign(name=f"Campaign after {'-'.join(state_moves) or 'nothing'}")
        with_contacts(target, "+12125550101,Ann")
        for move in state_moves:
            getattr(lifecycle, move)(target.pk)
    finished = campaign(name="Finished campaign")
    with_contacts(finished, "+12125550102,Bob")
    lifecycle.start(finished.pk)
    lifecycle.transition(finished.pk, "complete")
    dnc.add_entry("+1900", is_prefix=True, reason="premium")
    call = make_call()
    make_leg(call)
    make_event(call, CallStatus.IN_PROGRESS, 1)
    make_redirect(call)
    make_call(status=CallStatus.COMPLETED)
    support = Queue.objects.get(name="Support")
    entry = queue_services.enqueue_call(make_call(direction="inbound"), support)
    question = SurveyQuestion.objects.filter(survey=support.survey).first()
    queue_services.record_survey_answer(entry.call, question, "4")


def admin_pages(client: Client) -> list[tuple[str, object]]:
    """(what, response) for every page of every registered model and its actions."""
    seen = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        listing = client.get(changelist)
        seen.append((f"GET {changelist}", listing))
        add = reverse("admin:{}_{}_add".format(*info))
        shown = client.get(add)
        seen.append((f"GET {add}", shown))
        if shown.status_code == 200:
            data = submitted(shown, f"{info[1]}_form")
            seen.append((f"POST {add}", client.post(add, data)))
        rows = list(model._default_manager.all()[:ROWS_PER_MODEL])
        for row in rows:
            change = reverse("admin:{}_{}_change".format(*info), args=[row.pk])
            page = client.get(change)
            seen.append((f"GET {change}", page))
            if page.status_code == 200:
                data = submitted(page, f"{info[1]}_form")
                seen.append((f"POST {change}", client.post(change, data)))
        action_form = listing.context.get("action_form") if listing.context else None
        actions = action_form.fields["action"].choices if action_form else []
        for action, _ in actions:
            if action:
                body = {"action": action, "_selected_action": [row.pk for row in rows]}
                seen.append((f"action {action} on {changelist}", client.post(changelist, body)))
    return seen


def app_pages(client: Client) -> list[tuple[str, object]]:
    """The pages the apps add beside the model pages."""
    urls = [
        reverse("admin:index"),
        reverse("admin:calls_call_place"),
        reverse("admin:campaigns_donotcall_upload"),
        reverse("admin:console_board"),
        reverse("admin:console_board_rows"),
    ]
    urls += [
        reverse("admin:campaigns_campaign_upload", args=[pk])
        for pk in Campaign.objects.values_list("pk", flat=True)
    ]
    from calls.models import Call

    urls += [
        reverse("admin:console_call_timeline", args=[pk])
        for pk in Call.objects.values_list("pk", flat=True)
    ]
    return [(f"GET {url}", client.get(url)) for url in urls]


@pytest.mark.parametrize("group", ["Supervisors", "Viewers"])
def test_no_admin_page_answers_a_server_error(admin_as, group):
    every_kind_of_row()
    client = admin_as(group)
    pages = admin_pages(client) + app_pages(client)
    errors = [what for what, response in pages if response.status_code >= 500]
    assert errors == []
    assert len(pages) > 90  # the walk reached every app's pages, not just a few
