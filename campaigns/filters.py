"""Query filters of the campaigns API: a contact's or an attempt's outcome and state.

An outcome the product does not know is a 400 naming `outcome`, not an empty
list the client would take for "none like that".
"""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from .models import Attempt, Contact, ContactOutcome, ContactState

OUTCOME_PARAMETER = OpenApiParameter(
    "outcome",
    OpenApiTypes.STR,
    many=True,
    enum=ContactOutcome.values,
    description="only these outcomes (repeat the parameter for more than one)",
)
STATE_PARAMETER = OpenApiParameter("state", OpenApiTypes.STR, enum=ContactState.values)


class OutcomeFilter(django_filters.FilterSet):
    outcome = django_filters.MultipleChoiceFilter(
        choices=ContactOutcome.choices, help_text="one or more: ?outcome=busy&outcome=no-answer"
    )


class ContactFilter(OutcomeFilter):
    class Meta:
        model = Contact
        fields = ["outcome", "state"]


class AttemptFilter(OutcomeFilter):
    class Meta:
        model = Attempt
        fields = ["outcome", "contact"]
