"""The back office's roles as Django groups, present after every `migrate`.

Django creates model permissions in a `post_migrate` handler, so a data
migration on a fresh database would run before `place_call` and `control_call`
exist; a `post_migrate` handler of our own runs after them instead.
"""

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps

GROUP_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Work in the admin: see everything, place calls, change live calls.
    "Supervisors": (
        "view_call",
        "place_call",
        "control_call",
        "view_callevent",
        "view_redirect",
    ),
    # Internal tools on the REST API: the same powers, no admin pages of their own.
    "Integrations": ("view_call", "place_call", "control_call", "view_redirect"),
    # Dashboards and reporting: read only.
    "Viewers": ("view_call", "view_callevent", "view_redirect"),
}


def ensure_groups(
    sender: AppConfig, *, apps: Apps = global_apps, using: str = "default", **kwargs: object
) -> None:
    """Create the groups and grant their permissions; never takes a permission away,
    so grants made by hand (or by other apps) survive the next `migrate`."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = group_model.objects.using(using).get_or_create(name=name)
        permissions = permission_model.objects.using(using).filter(
            content_type__app_label=sender.label, codename__in=codenames
        )
        group.permissions.add(*permissions)
