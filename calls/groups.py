"""The back office's roles as Django groups, present after every `migrate`.

Django creates model permissions in a `post_migrate` handler, so a data
migration on a fresh database would run before `place_call` and `control_call`
exist; a `post_migrate` handler of our own runs after them instead. The roles
span apps (calls, conversations, recordings, queues, campaigns), and Django sends
`post_migrate` once per app, so the handler runs after each one and grants
whatever exists by then.
"""

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db.models import Q

from .permissions import CONTROL_CALLS, PLACE_CALLS, VIEW_CALL_EVENTS, VIEW_CALLS, VIEW_REDIRECTS

_CALLS_READ = (VIEW_CALLS, VIEW_CALL_EVENTS, VIEW_REDIRECTS)
_QUEUES_READ = (
    "queues.view_queue",
    "queues.view_inboundnumber",
    "queues.view_agent",
    "queues.view_queueentry",
    "queues.view_survey",
    "queues.view_surveyquestion",
    "queues.view_surveyresponse",
)
# Setting up queues, their numbers, agents and surveys (admin or API).
_QUEUES_SETUP = tuple(
    f"queues.{action}_{model}"
    for model in ("queue", "inboundnumber", "agent", "survey", "surveyquestion")
    for action in ("add", "change", "delete")
)
_CAMPAIGNS_READ = (
    "campaigns.view_campaign",
    "campaigns.view_contact",
    "campaigns.view_attempt",
    "campaigns.view_donotcall",
)
_CAMPAIGNS_WORK = (
    "campaigns.add_campaign",
    "campaigns.change_campaign",
    "campaigns.run_campaign",
    "campaigns.add_donotcall",
    "campaigns.delete_donotcall",
)
_RECORDINGS_READ = ("recordings.view_recording", "recordings.view_recordingpolicy")
# Pausing, resuming, stopping, playing back and holding recordings; their policies.
_RECORDINGS_WORK = (
    "recordings.manage_recording",
    "recordings.add_recordingpolicy",
    "recordings.change_recordingpolicy",
    "recordings.delete_recordingpolicy",
)

_CONVERSATIONS_READ = ("conversations.view_conference", "conversations.view_conversationaction")
# Hold, mute, end; listen, whisper, barge (`conversations.permissions`).
_CONVERSATIONS_WORK = ("conversations.hold_conversation", "conversations.supervise_conversation")

GROUP_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Run the floor in the admin: see everything, place and change live calls,
    # sign agents in and out, set up queues and surveys, run campaigns.
    "Supervisors": (
        *_CALLS_READ,
        PLACE_CALLS,
        CONTROL_CALLS,
        *_QUEUES_READ,
        *_QUEUES_SETUP,
        *_CAMPAIGNS_READ,
        *_CAMPAIGNS_WORK,
        *_CONVERSATIONS_READ,
        *_CONVERSATIONS_WORK,
        *_RECORDINGS_READ,
        *_RECORDINGS_WORK,
    ),
    # Internal tools on the REST API: place and change calls, set up queues and
    # surveys, drive agents and campaigns.
    "Integrations": (
        *_CALLS_READ,
        PLACE_CALLS,
        CONTROL_CALLS,
        *_QUEUES_READ,
        *_QUEUES_SETUP,
        *_CAMPAIGNS_READ,
        *_CAMPAIGNS_WORK,
        *_CONVERSATIONS_READ,
        *_CONVERSATIONS_WORK,
        *_RECORDINGS_READ,
        *_RECORDINGS_WORK,
    ),
    # Dashboards and reporting: read only.
    "Viewers": (
        *_CALLS_READ,
        *_QUEUES_READ,
        *_CAMPAIGNS_READ,
        *_CONVERSATIONS_READ,
        *_RECORDINGS_READ,
    ),
}


# The apps whose permissions the roles hold: only their `post_migrate` can bring new ones.
GRANTING_APPS = frozenset(
    permission.split(".")[0]
    for permissions in GROUP_PERMISSIONS.values()
    for permission in permissions
)


def ensure_groups(
    sender: AppConfig, *, apps: Apps = global_apps, using: str = "default", **kwargs: object
) -> None:
    """Create the groups and grant their permissions; never takes a permission away,
    so grants made by hand survive the next `migrate`."""
    if sender.label not in GRANTING_APPS:
        return
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, permissions in GROUP_PERMISSIONS.items():
        group, _ = group_model.objects.using(using).get_or_create(name=name)
        wanted = Q()
        for permission in permissions:
            app_label, codename = permission.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*permission_model.objects.using(using).filter(wanted))
