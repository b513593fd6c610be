"""Seeds the embedded demo: logins, a queue with agents, a survey and a recording
policy, a campaign.

It lives in the console app, which sits on top of calls, queues and campaigns.
Every object is found by its name first, so running it again changes nothing.
"""

from datetime import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from campaigns.models import Campaign, ContentKind
from campaigns.services.contacts import import_contacts
from campaigns.services.lifecycle import create_campaign
from queues.models import (
    Agent,
    AgentStatus,
    EndpointKind,
    InboundNumber,
    QuestionKind,
    Queue,
    Survey,
    SurveyQuestion,
)
from queues.services import set_agent_status
from recordings.models import RecordingMode, RecordingPolicy

# voicesim's built-in phonebook: +15550006DDD presses DDD at every <Gather>,
# +15550003NNN is an answering machine, +15550001NNN is busy, others are humans.
INBOUND_NUMBER = "+14155550100"
# Alice and Bob are signed in, so a supervisor can take a caller off hold at once.
AGENTS = (
    ("Alice (phone)", EndpointKind.NUMBER, "+14155550111", AgentStatus.AVAILABLE),
    ("Bob (SIP)", EndpointKind.SIP, "sip:bob@desk.example.com", AgentStatus.AVAILABLE),
    ("Carol (browser)", EndpointKind.CLIENT, "carol", AgentStatus.OFFLINE),
)
CONTACTS_CSV = """phone_number,first_name
(415) 555-0142,Ada
+1 555 000 3001,Grace
+1 555 000 1001,Linus
+1 555 000 6004,Barbara
"""
# 00:00 to 00:00: a calling window of the whole day.
ALL_DAY = time(0, 0)
# Each login shows what its role sees; `admin` can change everything, the
# Django way. A login's password is its name.
USERS = (
    ("admin", None, True),
    ("supervisor", "Supervisors", False),
    ("viewer", "Viewers", False),
)


class Command(BaseCommand):
    help = "Create the demo data. Running it again changes nothing."

    @transaction.atomic
    def handle(self, *args, **options):
        self._users()
        survey = self._survey()
        queue = self._queue(survey)
        self._campaign(survey)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready: logins supervisor/supervisor, viewer/viewer and admin/admin; "
                f"queue {queue.name!r} answers {INBOUND_NUMBER}."
            )
        )

    def _users(self) -> None:
        user_model = get_user_model()
        for username, group_name, is_superuser in USERS:
            # The role is set again on every run: a demo seeded when `supervisor`
            # was a superuser shows the Supervisors' view after the next start.
            user, created = user_model.objects.update_or_create(
                username=username, defaults={"is_staff": True, "is_superuser": is_superuser}
            )
            if created:
                user.set_password(username)
                user.save(update_fields=["password"])
            user.groups.set(Group.objects.filter(name=group_name))

    def _survey(self) -> Survey:
        survey, created = Survey.objects.get_or_create(name="After-call survey")
        if created:
            SurveyQuestion.objects.create(
                survey=survey,
                position=1,
                kind=QuestionKind.RATING,
                prompt="How satisfied were you with our representative?",
            )
            SurveyQuestion.objects.create(
                survey=survey,
                position=2,
                kind=QuestionKind.YES_NO,
                prompt="Was your question answered?",
            )
        return survey

    def _recording_policy(self) -> RecordingPolicy:
        policy, _ = RecordingPolicy.objects.get_or_create(
            name="Recorded for quality",
            defaults={
                "mode": RecordingMode.FROM_AGENT,
                "announcement": "This call may be recorded for quality and training.",
                "retention_days": 90,
            },
        )
        return policy

    def _queue(self, survey: Survey) -> Queue:
        queue, _ = Queue.objects.get_or_create(
            name="Support",
            defaults={
                "greeting": "Thank you for calling, a representative will be with you shortly",
                "survey": survey,
                # The tour shows a supervisor taking callers off hold by hand.
                "auto_distribute": False,
                "recording_policy": self._recording_policy(),
            },
        )
        InboundNumber.objects.get_or_create(
            phone_number=INBOUND_NUMBER, defaults={"queue": queue, "label": "Support line"}
        )
        for name, kind, endpoint, status in AGENTS:
            agent, created = Agent.objects.get_or_create(
                name=name, defaults={"endpoint_kind": kind, "endpoint": endpoint}
            )
            agent.queues.add(queue)
            if created:
                set_agent_status(agent, status)
        return queue

    def _campaign(self, survey: Survey) -> None:
        if Campaign.objects.filter(name="Renewal reminders").exists():
            return
        campaign = create_campaign(
            name="Renewal reminders",
            caller_id="+14155550100",
            content_kind=ContentKind.MESSAGE,
            message="Hello, this is a reminder that your subscription renews next week.",
            if_machine="continue",
            voicemail_message="Hello, please call us back about your subscription renewal.",
            # The demo dials whenever it is run: every day, all day.
            window_days="1234567",
            window_start=ALL_DAY,
            window_end=ALL_DAY,
        )
        import_contacts(campaign.pk, CONTACTS_CSV)
