"""Celery tasks: thin wrappers over `campaigns.services`."""

from celery import shared_task

from .services import dialer, scheduling

# A loop request older than this is dropped: the next tick asks again.
LOOP_REQUEST_EXPIRES = 5.0


@shared_task
def tick() -> int:
    """Beat task: start due campaigns and their dialer loops; returns loops requested."""
    loops = scheduling.tick()
    for campaign_id, slot in loops:
        run_dialer.apply_async((campaign_id, slot), expires=LOOP_REQUEST_EXPIRES)
    return len(loops)


@shared_task
def run_dialer(campaign_id: int, slot: int) -> None:
    """One dialer loop; it queues its own follow-up behind other tasks while work remains."""
    if dialer.run_loop(campaign_id, slot):
        run_dialer.apply_async((campaign_id, slot), expires=LOOP_REQUEST_EXPIRES)
