"""Celery tasks: thin wrappers over `campaigns.services`, imported inside each task
function (the services import these task objects at module level to hand work
over once committed).

Dialer loops go to a queue of their own, which every worker also consumes
(`campaigns.receivers.consume_dialer_queue`): a loop handing over to the next one
must not wait behind the default queue (the core queues a dispatch message for
every call, which the dialer has sent itself). It is named after the deployment's
default queue, so deployments (or a test run) sharing one broker never run each
other's loops.
"""

import time

from celery import current_app, shared_task

# A loop request older than this is dropped: the next tick asks again.
LOOP_REQUEST_EXPIRES = 5.0


def dialer_queue(app=current_app) -> str:
    return f"{app.conf.task_default_queue}.dialer"


def start_loop(campaign_id: int, slot: int) -> None:
    run_dialer.apply_async((campaign_id, slot), expires=LOOP_REQUEST_EXPIRES, queue=dialer_queue())


@shared_task
def tick() -> int:
    """Beat task: start due campaigns and their dialer loops; returns loops requested."""
    from .services import scheduling

    loops = scheduling.tick()
    for campaign_id, slot in loops:
        start_loop(campaign_id, slot)
    return len(loops)


@shared_task
def run_dialer(campaign_id: int, slot: int) -> None:
    """One dialer loop; it queues its own follow-up while work remains."""
    from .services import loops

    if loops.run_loop(campaign_id, slot):
        start_loop(campaign_id, slot)


@shared_task
def send_paced(call_id: int, key: str, limit: int) -> None:
    """A campaign call sent again: now, through its campaign's send window."""
    from .services import sending

    sending.send_now(call_id, sending.Pace(key, limit, time.monotonic()))


@shared_task
def import_csv(import_id: int) -> None:
    """Import an uploaded CSV file in the background (`services.imports`)."""
    from .services import imports

    imports.run_import(import_id)
