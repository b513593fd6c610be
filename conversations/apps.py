from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    """Conversations held in conferences: who is in, what Twilio said, and the actions
    taken on them (hold, mute, listen, whisper, barge…)."""

    name = "conversations"

    def ready(self) -> None:
        # The kinds this app ships register themselves on import.
        from . import kinds  # noqa: F401
