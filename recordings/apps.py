from django.apps import AppConfig


class RecordingsConfig(AppConfig):
    name = "recordings"
    verbose_name = "Recordings"

    def ready(self) -> None:
        # The recording kinds of conversation actions register themselves on import.
        from . import kinds  # noqa: F401
