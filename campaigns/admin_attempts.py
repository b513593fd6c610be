"""Each contact's attempts as the admin lists them: when, what came of it, and
a link to the call, on the contact's page and in the campaign page's contacts."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from callcenter.formats import duration, moment

from .models import Attempt, Campaign, Contact

CONTACTS_PER_PAGE = 25
PAGE_PARAMETER = "contacts-page"


@dataclass(frozen=True)
class AttemptRow:
    number: int
    when: str
    outcome: str
    call_url: str
    call_text: str


def attempt_rows(attempts: list[Attempt]) -> list[AttemptRow]:
    return [
        AttemptRow(
            number=attempt.number,
            when=moment(attempt.created_at),
            outcome=attempt.get_outcome_display() or "Under way",
            call_url=reverse("admin:calls_call_change", args=[attempt.call_id]),
            # An unanswered call lasts 0 s: its length would say nothing.
            call_text=f"call, {duration(attempt.call.duration)}"
            if attempt.call.duration
            else "call",
        )
        for attempt in attempts
    ]


def attempts_table(contact: Contact) -> SafeString:
    """The contact's attempts, first to last, for its read-only page."""
    attempts = list(contact.attempt_set.select_related("call"))
    return render_to_string(
        "admin/campaigns/contact/attempts.html", {"attempts": attempt_rows(attempts)}
    )


def with_attempts(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    return contacts.prefetch_related(
        Prefetch("attempt_set", queryset=Attempt.objects.select_related("call"))
    )


def contacts_section(request: HttpRequest, campaign: Campaign, *, may_import: bool) -> SafeString:
    """The campaign page's list of contacts and their attempts (the page of it the
    request asks for), drawn with the page and again each time its script polls."""
    context = {
        "contacts_page": contacts_page(request, campaign),
        "contacts_page_parameter": PAGE_PARAMETER,
        "upload_url": reverse("admin:campaigns_campaign_upload", args=[campaign.pk])
        if may_import
        else "",
    }
    return render_to_string("admin/campaigns/campaign/contacts_section.html", context, request)


def contacts_page(request: HttpRequest, campaign: Campaign) -> Page:
    """One page of the campaign's contacts, each with its attempt rows (`.rows`)."""
    contacts = with_attempts(campaign.contacts.order_by("id"))
    page = Paginator(contacts, CONTACTS_PER_PAGE).get_page(request.GET.get(PAGE_PARAMETER))
    for contact in page:
        contact.rows = attempt_rows(list(contact.attempt_set.all()))
        contact.url = reverse("admin:campaigns_contact_change", args=[contact.pk])
    return page
