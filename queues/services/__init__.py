"""The operations that change queues, agents and survey answers: the only writers.

Admin, API, webhooks, receivers and tasks call these, so every path obeys the
same rules (`queues.rules`) and the same locking. Every change of a live call
goes through `calls.services.request_redirect`, so it is recorded as a
`Redirect` with who asked and why. Entries and agents are claimed under row
locks (`SKIP LOCKED` for the distributor), so two workers, a supervisor and a
retried task never connect one caller or one agent twice. Services that decide
what a caller hears return a `queues.outcomes.CallerOutcome`, which
`queues.twiml` renders.
"""

from .agents import release_wrapped_up_agents, set_agent_status
from .dial_results import record_dial_ended, record_leg_status
from .distributor import distribute, recover_failed_offers, take_off_hold
from .entries import answer_inbound, enqueue_call, hold_ended, overflow_overdue, record_call_ended
from .setup import (
    agent_create,
    agent_delete,
    agent_update,
    inbound_number_create,
    inbound_number_delete,
    inbound_number_update,
    queue_create,
    queue_delete,
    queue_update,
    survey_create,
    survey_delete,
    survey_update,
)
from .supervisor import (
    hang_up_politely,
    record_redirect_sending,
    reopen_after_failed_redirect,
    send_to_survey,
)
from .surveys import record_survey_answer
from .transfers import (
    BLIND_TRANSFER,
    CANCEL_TRANSFER,
    COMPLETE_TRANSFER,
    CONSULT,
    WARM_STEPS,
    agent_joins_conversation,
    agent_released,
    transfer_recorded,
    transfer_to_queue,
)

__all__ = [
    "BLIND_TRANSFER",
    "CANCEL_TRANSFER",
    "COMPLETE_TRANSFER",
    "CONSULT",
    "WARM_STEPS",
    "agent_create",
    "agent_delete",
    "agent_joins_conversation",
    "agent_released",
    "agent_update",
    "answer_inbound",
    "distribute",
    "enqueue_call",
    "hang_up_politely",
    "hold_ended",
    "inbound_number_create",
    "inbound_number_delete",
    "inbound_number_update",
    "overflow_overdue",
    "queue_create",
    "queue_delete",
    "queue_update",
    "record_call_ended",
    "record_dial_ended",
    "record_leg_status",
    "record_redirect_sending",
    "record_survey_answer",
    "recover_failed_offers",
    "release_wrapped_up_agents",
    "reopen_after_failed_redirect",
    "send_to_survey",
    "set_agent_status",
    "survey_create",
    "survey_delete",
    "survey_update",
    "take_off_hold",
    "transfer_recorded",
    "transfer_to_queue",
]
