"""What the campaigns know of a call, for `calls.presenters`: the campaign that
placed it, as the calling side, and the contact it dialed, by the name their
CSV row gave (`Contact.name`) when it did."""

from __future__ import annotations

from calls.models import Call
from calls.presenters import register_context_provider

from .models import Attempt


@register_context_provider
def campaign_context(calls: list[Call]) -> dict[int, dict[str, str]]:
    attempts = Attempt.objects.filter(call_id__in=[call.pk for call in calls]).select_related(
        "contact__campaign"
    )
    return {
        attempt.call_id: {
            "campaign": attempt.contact.campaign.name,
            "from_name": attempt.contact.campaign.name,
            "to_name": attempt.contact.name,
        }
        for attempt in attempts
    }
