from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Outbound campaigns"

    def ready(self) -> None:
        # Connects the signal receivers and names calls' parties (calls.presenters).
        from . import call_context, receivers  # noqa: F401
