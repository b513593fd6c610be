"""Celery tasks: thin wrappers over `queues.services`.

Every service here claims its rows with `SKIP LOCKED`, so beat, the on-commit
nudges and a redelivered task may all run at once without doing anything twice.
The services import this module to hand work over after commit; the task
imports them inside its body, so the two never import each other at load time.
"""

from __future__ import annotations

from celery import shared_task


@shared_task
def work_queues() -> int:
    """Beat, and after every change that may free a match: wrap-ups ended, failed
    offers recovered, overdue callers overflowed, waiting callers offered to agents."""
    from . import services

    services.release_wrapped_up_agents()
    services.recover_failed_offers()
    services.overflow_overdue()
    return services.distribute()
