"""Who may see and who may act, in the core's terms.

Viewers see the dashboard, the board and timelines (`calls.permissions.VIEW_CALLS`);
supervisors also change live calls (`CONTROL_CALLS`), which is what every board
action on a call does, and sign agents in and out (`queues.permissions.CHANGE_AGENTS`).
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from calls.permissions import CONTROL_CALLS, VIEW_CALLS
from queues.permissions import CHANGE_AGENTS

# What the refusal page says to whoever lacks each permission.
WHY_REFUSED = {
    VIEW_CALLS: "Seeing calls is for the Viewers and Supervisors roles.",
    CONTROL_CALLS: "Only Supervisors act on live calls; your role can watch them.",
    CHANGE_AGENTS: "Only Supervisors sign agents in and out; your role can watch them.",
}


def require(request: HttpRequest, permission: str) -> None:
    """Refuse with 403 whoever lacks `permission`, whatever the page showed them."""
    if not request.user.has_perm(permission):
        raise PermissionDenied(WHY_REFUSED[permission])
