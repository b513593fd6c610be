"""Retention: recordings past their policy's period are deleted at Twilio and
marked deleted here; a legal hold keeps one until it is lifted.

Each expired recording is claimed under `SKIP LOCKED` and checked again under
its lock, so two sweeps (two workers, or a retried task) delete it once; a
recording Twilio no longer has counts as deleted.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F, QuerySet
from django.db.models.functions import Now
from django.utils import timezone

from calls import telephony
from calls.exceptions import TwilioError, TwilioUnreachable

from ..models import Recording, RecordingStatus
from .common import refuse

SWEEP_BATCH = 100
ONE_DAY = dt.timedelta(days=1)


def expired_recordings(now: dt.datetime | None = None) -> QuerySet[Recording]:
    """Completed recordings past their retention, not held, not deleted yet."""
    kept_for = ExpressionWrapper(F("retention_days") * ONE_DAY, output_field=DurationField())
    return Recording.objects.filter(
        status=RecordingStatus.COMPLETED,
        deleted_at__isnull=True,
        legal_hold=False,
        sid__isnull=False,
        completed_at__lte=(now or Now()) - kept_for,
    )


def recordings_sweep_expired(now: dt.datetime | None = None) -> list[Recording]:
    """Delete each expired recording at Twilio, then mark it deleted; returns those deleted.

    One that Twilio cannot delete now stays as it is for the next sweep.
    """
    deleted = []
    for recording_id in expired_recordings(now).values_list("pk", flat=True)[:SWEEP_BATCH]:
        with transaction.atomic():
            recording = (
                expired_recordings(now)
                .select_for_update(skip_locked=True)
                .filter(pk=recording_id)
                .first()
            )
            if recording is None:
                continue  # another sweep has it, or it was held meanwhile
            try:
                telephony.delete_recording(recording.sid)
            except (TwilioError, TwilioUnreachable):
                continue
            recording.deleted_at = timezone.now()
            recording.save(update_fields=["deleted_at"])
            deleted.append(recording)
    return deleted


def recording_legal_hold_set(recording: Recording, *, hold: bool, requested_by=None) -> Recording:
    """Hold a recording past its retention, or lift the hold; a deleted one is gone."""
    with transaction.atomic():
        recording = Recording.objects.select_for_update().get(pk=recording.pk)
        if recording.is_deleted:
            raise refuse("The recording has been deleted; nothing is left to hold.", "deleted")
        recording.legal_hold = hold
        recording.save(update_fields=["legal_hold"])
    return recording
