"""Reactions to the calls core's news: agents' legs, callers' hang-ups, the
changes of callers' calls that end their wait, and failed redirects.

Connected in `QueuesConfig.ready()`. `call_status_changed` is sent after the
status change has committed, once per move, so each reaction runs once;
`redirect_failed` while Twilio waits for the document the caller hears next.
"""

from __future__ import annotations

from django.dispatch import receiver

from calls.models import Call, Direction, Redirect, Source
from calls.signals import call_status_changed, redirect_failed, redirect_sending

from . import selectors, services, twiml


@receiver(call_status_changed, sender=Call, dispatch_uid="queues.call_status_changed")
def follow_call_status(sender, *, call: Call, previous_status: str, **kwargs) -> None:
    """An agent's leg drives its agent's status; a caller's end closes their queue entry.

    Callers are inbound calls and the people a campaign hands to an agent (both
    come in through `services.answer_inbound`), and an agent's leg is a leg of a
    caller's call: other calls and legs need no look at the queues.
    """
    if call.parent_id is not None:
        if may_wait_in_a_queue(call.parent):
            services.record_leg_status(call)
    elif call.is_final and may_wait_in_a_queue(call):
        services.record_call_ended(call)


def may_wait_in_a_queue(call: Call) -> bool:
    return call.direction == Direction.INBOUND or call.source == Source.CAMPAIGN


@receiver(redirect_sending, sender=Redirect, dispatch_uid="queues.redirect_sending")
def follow_redirect_sending(sender, *, redirect: Redirect, **kwargs) -> None:
    """A person's change of a waiting caller's call ends the wait, by a supervisor."""
    services.record_redirect_sending(redirect)


@receiver(redirect_failed, sender=Redirect, dispatch_uid="queues.redirect_failed")
def hold_again(sender, *, redirect: Redirect, **kwargs) -> str | None:
    """A waiting caller whose redirect failed is back on hold, at the same place in line."""
    entry = selectors.waiting_entry_of(redirect.call_id) or services.reopen_after_failed_redirect(
        redirect
    )
    if entry is None:
        return None
    return str(twiml.hold_document(entry, say=twiml.REDIRECT_FAILED))
