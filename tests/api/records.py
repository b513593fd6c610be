"""Rows the API and admin tests start from: people in the back office's
groups, calls in a given state as the webhooks would have left them, their
legs, events and redirects."""

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from calls.models import Call, CallEvent, CallStatus, Direction, Redirect, RedirectState


def member_of(group: str | None, *, username: str = "", staff: bool = False, perms=()):
    """A user in `group` (one of the groups `migrate` creates), with extra `perms`
    given as "app_label.codename". No password: tests log in with `force_login`
    or a token, and hashing one would cost a third of a second each."""
    user = get_user_model().objects.create_user(
        username=username or f"{group or 'nobody'}-{uuid.uuid4().hex[:6]}".lower(),
        is_staff=staff,
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def call_sid() -> str:
    return "CA" + uuid.uuid4().hex


def make_call(**fields) -> Call:
    """A call Twilio accepted (it has a SID); in progress unless told otherwise."""
    values = {
        "sid": call_sid(),
        "direction": Direction.OUTBOUND_API,
        "from_number": "+14155550100",
        "to_number": "+14155550123",
        "status": CallStatus.IN_PROGRESS,
        "url": "https://flows.example.com/welcome",
        **fields,
    }
    return Call.objects.create(**values)


def make_leg(parent: Call, **fields) -> Call:
    return make_call(parent=parent, direction=Direction.OUTBOUND_DIAL, url="", **fields)


def make_event(call: Call, status: str, sequence: int) -> CallEvent:
    return CallEvent.objects.create(
        call=call,
        kind="status",
        call_status=status,
        sequence_number=sequence,
        fingerprint=f"{call.sid}:status:{sequence}",
        params={"CallSid": call.sid, "CallStatus": status, "SequenceNumber": str(sequence)},
    )


def make_redirect(call: Call, **fields) -> Redirect:
    values = {"url": "https://flows.example.com/survey", "state": RedirectState.SCHEDULED, **fields}
    return Redirect.objects.create(call=call, **values)
