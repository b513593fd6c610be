from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "queues"
    verbose_name = "Queues, agents and surveys"

    def ready(self) -> None:
        # Connects the signal receivers and names calls' parties (calls.presenters).
        from . import call_context, receivers  # noqa: F401
