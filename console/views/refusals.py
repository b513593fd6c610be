"""A refusal as a page of the back office: the admin's look, what was refused and
why, who is signed in with which roles, and the way back. Django's own 403 is a
bare page that tells a supervisor nothing."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

DEFAULT_REASON = "Your role does not allow this page or this action."


def permission_denied(request: HttpRequest, exception: PermissionDenied) -> HttpResponse:
    """The project's `handler403`."""
    user = request.user
    roles = list(user.groups.values_list("name", flat=True)) if user.is_authenticated else []
    context = {
        **admin.site.each_context(request),
        "title": "Not allowed",
        "reason": str(exception) or DEFAULT_REASON,
        "roles": roles,
    }
    return render(request, "console/refused.html", context, status=403)
