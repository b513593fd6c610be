"""The calls core's own reactions to its news.

Connected in `CallsConfig.ready()`; `call_status_changed` is sent once per
move, after the move has committed.
"""

from __future__ import annotations

from django.dispatch import receiver

from .models import Call, IfMachine
from .signals import call_status_changed
from .tasks import notify_machine_hangup as notify_machine_hangup_task


@receiver(call_status_changed, sender=Call, dispatch_uid="calls.machine_hangup_notice")
def tell_of_machine_hangup(sender, *, call: Call, **kwargs) -> None:
    """Seed 002: under `IfMachine=Hangup` the call is hung up first, then its URL is told.

    The worker looks at the outcome: only a call hung up on a machine has news.
    """
    if call.is_final and call.if_machine == IfMachine.HANGUP and call.url:
        notify_machine_hangup_task.delay(call.pk)
