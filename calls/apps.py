from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = "Calls"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  connects the signal receivers
        from .groups import ensure_groups

        post_migrate.connect(ensure_groups, dispatch_uid="calls.ensure_groups")
