"""What the end of a call sets off, and the hand-off of queued redirects to workers.

A call's own scheduled redirects can no longer happen once it ended, and its
parent's redirects waiting for a leg to end are due. Status callbacks
(`events`) and the REST answers to redirects (`redirects`, through `events`)
both record ends, and `redirects` queues redirects too: this module is what
they share, and it imports neither, so the services import in one direction.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Call, Redirect, RedirectState, RedirectTrigger
from ..tasks import send_redirect as send_redirect_task
from .status_statement import SKIPPED_AT_END


def settle_call_end(call: Call) -> None:
    """Skip the ended call's scheduled redirects; queue its parent's waiting for a leg.

    Few calls have any, so one read tells whether there is anything to write.
    """
    concerned = Q(call=call)
    if call.parent_id is not None:
        concerned |= Q(call_id=call.parent_id, trigger=RedirectTrigger.LEG_ENDED)
    if not Redirect.objects.filter(concerned, state=RedirectState.SCHEDULED).exists():
        return
    Redirect.objects.filter(call=call, state=RedirectState.SCHEDULED).update(
        state=RedirectState.SKIPPED, finished_at=timezone.now(), error_message=SKIPPED_AT_END
    )
    if call.parent_id is None:
        return
    waiting = Redirect.objects.filter(
        call_id=call.parent_id, trigger=RedirectTrigger.LEG_ENDED, state=RedirectState.SCHEDULED
    ).values_list("pk", flat=True)
    queue_redirects(list(waiting))


def queue_redirects(redirect_ids: list[int]) -> None:
    """Move scheduled redirects to `queued` and hand each to a worker after commit."""
    Redirect.objects.filter(pk__in=redirect_ids, state=RedirectState.SCHEDULED).update(
        state=RedirectState.QUEUED
    )
    send_redirects_on_commit(redirect_ids)


def send_redirects_on_commit(redirect_ids) -> None:
    """Hand each queued redirect to a worker once the current transaction has committed."""
    for redirect_id in redirect_ids:
        transaction.on_commit(partial(send_redirect_task.delay, redirect_id))
