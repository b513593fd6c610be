from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Outbound campaigns"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  connects the signal receivers
