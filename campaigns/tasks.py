"""Celery tasks: thin wrappers over `campaigns.services`.

Dialer loops go to a queue of their own, which every worker also consumes: a
loop handing over to the next one must not wait behind the default queue (the
core queues a dispatch message for every call, which the dialer has sent itself).
"""

from celery import shared_task

from .services import dialer, scheduling

DIALER_QUEUE = "campaigns.dialer"
# A loop request older than this is dropped: the next tick asks again.
LOOP_REQUEST_EXPIRES = 5.0


def start_loop(campaign_id: int, slot: int) -> None:
    run_dialer.apply_async((campaign_id, slot), expires=LOOP_REQUEST_EXPIRES, queue=DIALER_QUEUE)


def consume_dialer_queue(sender, instance, **kwargs) -> None:
    """`celeryd_after_setup` receiver: every worker listens on the dialer queue too."""
    instance.app.amqp.queues.select_add(DIALER_QUEUE)


@shared_task
def tick() -> int:
    """Beat task: start due campaigns and their dialer loops; returns loops requested."""
    loops = scheduling.tick()
    for campaign_id, slot in loops:
        start_loop(campaign_id, slot)
    return len(loops)


@shared_task
def run_dialer(campaign_id: int, slot: int) -> None:
    """One dialer loop; it queues its own follow-up while work remains."""
    if dialer.run_loop(campaign_id, slot):
        start_loop(campaign_id, slot)
