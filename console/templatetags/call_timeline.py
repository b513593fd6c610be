"""`{% call_timeline call %}`: a call's timeline, for any page that shows a call
(its admin page as the main view, the console's timeline page)."""

from django import template

from calls.models import Call

from ..selectors.timeline import call_timeline

register = template.Library()


@register.inclusion_tag("console/timeline_moments.html")
def call_timeline_moments(call: Call) -> dict:
    return {"timeline": call_timeline(call)}
