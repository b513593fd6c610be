"""The 2008 DialStatus of an answered call, decided by whichever request first tells
Twilio's AnsweredBy.

The answer request carries it (the AMD callback does, with `async_amd`), and so
does every status callback once detection is over. A callee who hangs up while
our answer URL is still busy ends the call before the answer request is
recorded: the final status callback then decides the outcome, so that what the
end sets off (a campaign contact's outcome and its retry) reads the verdict
rather than a bare `answered`. Whoever decides first, the same AnsweredBy gives
the same outcome, and it is kept once.
"""

from __future__ import annotations

from ..models import FINAL_STATUSES, Call, IfMachine, Outcome

MACHINE_ANSWERS = ("machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other")


def outcome_of(if_machine: str, answered_by: str) -> str:
    """The 2008 DialStatus for a policy and Twilio's AnsweredBy (`unknown` counts as human)."""
    if if_machine == IfMachine.NONE:
        return Outcome.ANSWERED
    is_machine = answered_by in MACHINE_ANSWERS or answered_by == "fax"
    if not is_machine:
        return Outcome.ANSWERED_HUMAN
    if if_machine == IfMachine.HANGUP:
        return Outcome.HANGUP_MACHINE
    return Outcome.ANSWERED_MACHINE


def decide_outcome_at_end(call: Call, previous_status: str) -> None:
    """When `call` has just ended with an AnsweredBy but no outcome yet, keep the one
    its AnsweredBy decides (on `call` too, which listeners to its end are given)."""
    ended_now = call.is_final and previous_status not in FINAL_STATUSES
    if not ended_now or call.outcome or not call.answered_by:
        return
    call.outcome = outcome_of(call.if_machine, call.answered_by)
    Call.objects.filter(pk=call.pk, outcome="").update(outcome=call.outcome)
