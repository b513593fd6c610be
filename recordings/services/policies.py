"""Recording policies: their setup (the admin's checks, for the API too), and
applying one to a call at the moment it names.

A queue or a campaign tells its policy what moment a call has reached (the
answer, the agent's join); the policy's mode says whether recording starts
then. The agent's join also starts a recording the answer should have started
and did not (a caller taken to an agent during the announcement).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from calls.models import Call, Source

from ..models import Recording, RecordingMode, RecordingPolicy
from .common import refuse
from .starting import recording_request

MOMENTS = (RecordingMode.FROM_ANSWER, RecordingMode.FROM_AGENT)


def _saved(policy: RecordingPolicy, changes: dict[str, Any]) -> RecordingPolicy:
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    return policy


def recording_policy_create(**fields: Any) -> RecordingPolicy:
    return _saved(RecordingPolicy(), fields)


def recording_policy_update(policy: RecordingPolicy, **changes: Any) -> RecordingPolicy:
    with transaction.atomic():
        return _saved(RecordingPolicy.objects.select_for_update().get(pk=policy.pk), changes)


def recording_policy_delete(policy: RecordingPolicy) -> None:
    """The queues and campaigns that named it record nothing from then on."""
    RecordingPolicy.objects.filter(pk=policy.pk).delete()


def policy_applies(call: Call, policy: RecordingPolicy | None, moment: str) -> bool:
    """Whether `policy` wants `call` recorded once it has reached `moment`."""
    if policy is None or not policy.records:
        return False
    return MOMENTS.index(policy.mode) <= MOMENTS.index(moment)


def recording_policy_apply(
    call: Call, policy: RecordingPolicy | None, moment: str, *, origin: str = Source.SYSTEM
) -> Recording | None:
    """Request the call's recording if its policy records from `moment` on and
    nothing has recorded it yet; the same call asking again changes nothing."""
    if moment not in MOMENTS:
        raise refuse(f"Unknown moment {moment!r}.", "invalid", "moment")
    if not policy_applies(call, policy, moment) or not call.is_live or call.recordings.exists():
        return None
    return recording_request(call, policy=policy, origin=origin)
