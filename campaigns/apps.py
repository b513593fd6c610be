from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Outbound campaigns"

    def ready(self) -> None:
        from celery.signals import celeryd_after_setup

        from calls.models import Call
        from calls.signals import call_status_changed

        from .services.outcomes import on_call_status_changed
        from .tasks import consume_dialer_queue

        celeryd_after_setup.connect(consume_dialer_queue, dispatch_uid="campaigns.dialer_queue")

        call_status_changed.connect(
            on_call_status_changed, sender=Call, dispatch_uid="campaigns.settle_call"
        )
