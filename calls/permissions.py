"""Viewing, placing and controlling calls are separate permissions.

A viewset names the permission each of its actions needs in
`action_permissions`; an action it does not name is refused.
"""

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

# The calls' permissions, by their full names; queues and the console check them too
# (their actions on a caller change a live call).
VIEW_CALLS = "calls.view_call"
VIEW_CALL_EVENTS = "calls.view_callevent"
VIEW_REDIRECTS = "calls.view_redirect"
PLACE_CALLS = "calls.place_call"
CONTROL_CALLS = "calls.control_call"


class ActionPermission(BasePermission):
    """Anonymous → 401 (DRF asks for a token); authenticated without the action's
    permission → 403."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        required = view.action_permissions.get(view.action)
        return required is not None and user.has_perm(required)


READ_ACTIONS = ("list", "retrieve", "metadata")


def by_action(view_permission: str, **changes: str) -> dict[str, str]:
    """`action_permissions` of a viewset: `view_permission` for reading, and the
    permission each of its changing actions needs."""
    return {**dict.fromkeys(READ_ACTIONS, view_permission), **changes}
