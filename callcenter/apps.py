from django.apps import AppConfig


class CallCenterConfig(AppConfig):
    """The site itself: registers the deployment checks of callcenter/checks.py."""

    name = "callcenter"
    verbose_name = "Call center"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the checks)
