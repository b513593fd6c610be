"""Who may see and who may act, in the core's terms.

Viewers see the dashboard, the board and timelines (`calls.permissions.VIEW_CALLS`);
supervisors also change live calls (`CONTROL_CALLS`), which is what every board
action does.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def require(request: HttpRequest, permission: str) -> None:
    """Refuse with 403 whoever lacks `permission`, whatever the page showed them."""
    if not request.user.has_perm(permission):
        raise PermissionDenied
