"""The calls app's reactions to Django's news. Connected in `CallsConfig.ready()`."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from .groups import ensure_groups


@receiver(post_migrate, dispatch_uid="calls.ensure_groups")
def create_roles(sender: AppConfig, **kwargs: object) -> None:
    """After each app's migrations, the roles get the permissions that exist by then."""
    ensure_groups(sender, **kwargs)
