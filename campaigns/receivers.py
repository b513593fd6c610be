"""Reactions to news from outside the campaigns: a call that ended, a worker
that started.

Connected in `CampaignsConfig.ready()`. `call_status_changed` is sent after the
status change has committed.
"""

from __future__ import annotations

import logging

from celery.signals import celeryd_after_setup
from django.db import DatabaseError
from django.dispatch import receiver

from calls.models import FINAL_STATUSES, Call, Source
from calls.signals import call_status_changed

from .services.outcomes import settle_call
from .tasks import dialer_queue

logger = logging.getLogger(__name__)


@receiver(call_status_changed, sender=Call, dispatch_uid="campaigns.settle_call")
def settle_ended_call(sender, *, call: Call, previous_status: str, **kwargs) -> None:
    """A campaign call's end settles its attempt and contact now."""
    if call.source != Source.CAMPAIGN or call.status not in FINAL_STATUSES:
        return
    try:
        settle_call(call.pk)
    except DatabaseError:
        # The dialer's tick settles it from the database on its next run.
        logger.exception("Could not settle campaign call %s now", call.pk)


@receiver(celeryd_after_setup, dispatch_uid="campaigns.dialer_queue")
def consume_dialer_queue(sender, instance, **kwargs) -> None:
    """Every worker listens on the dialer queue too."""
    instance.app.amqp.queues.select_add(dialer_queue(instance.app))
