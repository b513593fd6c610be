"""Reactions to the calls core's news: agents' legs and callers' hang-ups.

Connected in `QueuesConfig.ready()`. `call_status_changed` is sent after the
status change has committed, once per move, so each reaction runs once.
"""

from __future__ import annotations

from django.dispatch import receiver

from calls.models import Call, Direction
from calls.signals import call_status_changed

from . import services


@receiver(call_status_changed, sender=Call, dispatch_uid="queues.call_status_changed")
def follow_call_status(sender, *, call: Call, previous_status: str, **kwargs) -> None:
    """An agent's leg drives its agent's status; a caller's end closes their queue entry.

    Callers are inbound calls (`services.answer_inbound` is the only way in), and
    an agent's leg is a `<Dial>` leg of a caller's call: other calls and legs
    need no look at the queues.
    """
    if call.parent_id is not None:
        if call.parent.direction == Direction.INBOUND:
            services.record_leg_status(call)
    elif call.is_final and call.direction == Direction.INBOUND:
        services.record_call_ended(call)
