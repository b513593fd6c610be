"""A caller's stay in a queue: enqueued, held, overflowed, back on hold, ended.

Entries are written under the caller's call row lock (enqueue) or the entry's
own (`locked_entry`); the overflow sweep claims overdue entries with `SKIP
LOCKED`, so the hold loop and the sweep never overflow one caller twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from calls import services as call_services
from calls.models import Call, RedirectState, Source
from conversations import selectors as conversation_selectors
from conversations.models import Participant, Role

from .. import selectors, twiml
from ..models import (
    OPEN_ENTRY_STATUSES,
    AgentStatus,
    EntryOutcome,
    EntryStatus,
    OverflowAction,
    Queue,
    QueueEntry,
)
from ..outcomes import CallerNext, CallerOutcome
from .agents import agent_call_ended
from .common import locked_entry, work_queues_after_commit


def answer_inbound(call: Call, queue: Queue, now: dt.datetime | None = None) -> CallerOutcome:
    """An inbound call reached a queue's number: closed message, or greeting and hold."""
    if not selectors.is_open(queue, now or timezone.now()):
        return CallerOutcome(CallerNext.CLOSED, queue)
    return CallerOutcome(CallerNext.ENQUEUED, queue, enqueue_call(call, queue))


def enqueue_call(call: Call, queue: Queue) -> QueueEntry:
    """Put a caller on hold in a queue; the same call asking again gets its entry back."""
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=call.pk)
        entry = QueueEntry.objects.filter(call=call, status__in=OPEN_ENTRY_STATUSES).first()
        if entry is not None:
            return entry
        now = timezone.now()
        entry = QueueEntry.objects.create(
            queue=queue,
            call=call,
            enqueued_at=now,
            rank=now,
            position_at_enqueue=selectors.waiting_entries(queue).count() + 1,
        )
        work_queues_after_commit()
    return entry


def end_entry(entry: QueueEntry, outcome: str, *, also: tuple[str, ...] = ()) -> None:
    """Close an entry; an outcome already reached (connected) is kept."""
    now = timezone.now()
    entry.status = EntryStatus.ENDED
    entry.outcome = entry.outcome or outcome
    entry.ended_at = now
    entry.dequeued_at = entry.dequeued_at or now
    entry.save(update_fields=["status", "outcome", "ended_at", "dequeued_at", *also])


def hold_ended(entry_id: int, now: dt.datetime | None = None) -> CallerOutcome:
    """The hold music ran out: hold again, or overflow once the maximum wait is reached.

    A caller taken off hold (offered, or their agent already answered) whose
    redirect into the conference has not reached the call yet, as when its task
    waits behind others or is retried, holds on and is checked again: the end
    of this document would hang them up. A caller whose agent answered but whose
    redirect failed for good is answered with the room itself, where the agent
    waits (an offered one is put back on hold by `recover_failed_offers`, the
    agent released). A caller whose wait ended (a newer redirect overtook this
    request) hears hold music alone, which the newer document replaces at once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        entry = locked_entry(entry_id)
        if entry.status == EntryStatus.ENDED:
            return CallerOutcome.of(entry, CallerNext.OVERTAKEN)
        if entry.status != EntryStatus.WAITING:
            return _past_the_offer(entry)
        if selectors.overdue_entries(entry.queue, now).filter(pk=entry.pk).exists():
            return _overflow(entry)
        return CallerOutcome.of(entry, CallerNext.STILL_WAITING)


def _past_the_offer(entry: QueueEntry) -> CallerOutcome:
    failed = entry.offer_redirect is not None and entry.offer_redirect.state == RedirectState.FAILED
    if entry.status == EntryStatus.CONNECTED and failed:
        room = conversation_selectors.live_conference(entry.call)
        if room is not None:
            return CallerOutcome(CallerNext.INTO_THE_ROOM, entry.queue, entry, room=room)
    return CallerOutcome.of(entry, CallerNext.STILL_WAITING)


def overflow_overdue(now: dt.datetime | None = None) -> int:
    """Callers past their queue's maximum wait get the overflow action now.

    The hold loop also checks the wait when the music runs out; this sweep makes
    the wait exact whatever the length of the music.
    """
    now = now or timezone.now()
    moved = 0
    for queue in Queue.objects.filter(max_wait_seconds__isnull=False):
        while True:
            with transaction.atomic():
                entry = (
                    selectors.overdue_entries(queue, now)
                    .select_related("call", "queue")
                    .select_for_update(skip_locked=True, of=("self",))
                    .first()
                )
                if entry is None:
                    break
                if entry.call.is_final:
                    # Hung up a moment ago; the final status callback is on its way.
                    end_entry(entry, EntryOutcome.ABANDONED)
                    continue
                call_services.request_redirect(
                    entry.call,
                    twiml=str(twiml.caller_document(_overflow(entry))),
                    origin=Source.QUEUE,
                    reason="maximum wait reached",
                )
                moved += 1
    return moved


def _overflow(entry: QueueEntry) -> CallerOutcome:
    """End the entry as overflowed; the caller moves to the overflow queue or is let go."""
    queue = entry.queue
    end_entry(entry, EntryOutcome.OVERFLOWED)
    if queue.overflow_action == OverflowAction.QUEUE and queue.overflow_queue_id:
        return CallerOutcome.of(enqueue_call(entry.call, queue.overflow_queue), CallerNext.ENQUEUED)
    return CallerOutcome.of(entry, CallerNext.OVERFLOWED)


def back_on_hold(entry: QueueEntry) -> None:
    """A caller whose offer fell through waits again, at the head of their queue."""
    entry.status = EntryStatus.WAITING
    entry.rank = selectors.head_of_queue_rank(entry)
    entry.save(update_fields=["status", "rank"])


def agent_on_the_line(entry: QueueEntry) -> int | None:
    """The agent talking with the stay's caller: its agent, unless they handed the
    caller to an outside number. The stay then follows that number's leg and still
    names the agent as the one who answered (surveys and campaigns credit them),
    but the agent left at the hand-over: the call's end is no longer theirs."""
    if (
        entry.agent_leg_id is not None
        and Participant.objects.filter(call_id=entry.agent_leg_id, role=Role.THIRD_PARTY).exists()
    ):
        return None
    return entry.agent_id


def record_call_ended(call: Call) -> None:
    """The caller's call is over: a caller who had not reached an agent abandoned.

    Most calls that end were never queued: one read tells, before any lock.
    """
    open_entries = QueueEntry.objects.filter(call=call, status__in=OPEN_ENTRY_STATUSES)
    if not open_entries.exists():
        return
    with transaction.atomic():
        for entry in open_entries.select_for_update():
            if entry.status == EntryStatus.OFFERED:
                agent_call_ended(entry.agent_id, AgentStatus.AVAILABLE)
            elif entry.status == EntryStatus.CONNECTED:
                agent_call_ended(agent_on_the_line(entry), AgentStatus.WRAP_UP)
            end_entry(entry, EntryOutcome.ABANDONED)
