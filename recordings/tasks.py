"""Celery tasks: thin wrappers over `recordings.services`.

Like the calls' tasks they may run twice or twice at once; every service they
call is guarded by its row's state under `select_for_update`.
"""

from __future__ import annotations

from celery import shared_task

from calls.tasks import run_retrying


@shared_task(bind=True, max_retries=None)
def start_recording(self, recording_id: int) -> None:
    """Ask Twilio to record a requested recording's call, once."""
    from . import services

    run_retrying(self, services.recording_start, recording_id)


@shared_task(bind=True, max_retries=None)
def send_recording_action(self, action_id: int) -> None:
    """Send a requested pause, resume or stop of a live recording to Twilio."""
    from . import services

    run_retrying(self, services.recording_action_send, action_id)


@shared_task
def sweep_expired_recordings() -> int:
    """Beat: delete at Twilio the recordings past their retention, unless held."""
    from . import services

    return len(services.recordings_sweep_expired())
