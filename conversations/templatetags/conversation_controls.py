"""`{% conversation_controls call %}`: a call's live conversation and its buttons, on the
call's admin page (the board passes its rows' controls to the same template)."""

from django import template

from ..selectors import controls_for

register = template.Library()


@register.inclusion_tag("conversations/controls.html", takes_context=True)
def conversation_controls(context: template.Context, call) -> dict:
    request = context["request"]
    return {
        "controls": controls_for([call.pk], request.user).get(call.pk),
        "screen": "admin",
        "next_url": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
