"""The calls app's reactions to Django's news and to its own. Connected in
`CallsConfig.ready()`; `call_status_changed` is sent once per move, after the
move has committed.
"""

from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from .groups import ensure_groups
from .models import Call, IfMachine
from .signals import call_status_changed
from .tasks import notify_machine_hangup as notify_machine_hangup_task


@receiver(post_migrate, dispatch_uid="calls.ensure_groups")
def create_roles(sender: AppConfig, **kwargs: object) -> None:
    """After each app's migrations, the roles get the permissions that exist by then."""
    ensure_groups(sender, **kwargs)


@receiver(call_status_changed, sender=Call, dispatch_uid="calls.machine_hangup_notice")
def tell_of_machine_hangup(sender, *, call: Call, **kwargs) -> None:
    """Seed 002: under `IfMachine=Hangup` the call is hung up first, then its URL is told.

    The worker looks at the outcome: only a call hung up on a machine has news.
    """
    if call.is_final and call.if_machine == IfMachine.HANGUP and call.url:
        notify_machine_hangup_task.delay(call.pk)
