from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "queues"
    verbose_name = "Queues, agents and surveys"

    def ready(self) -> None:
        from . import (
            call_context,  # noqa: F401  names calls' parties (calls.presenters)
            receivers,  # noqa: F401  connects the signal receivers
            transfers,  # noqa: F401  registers the transfer action kinds
        )
