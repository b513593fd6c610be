"""`manage.py create_api_user NAME --group Integrations`: a REST API user in one step."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from calls.groups import GROUP_PERMISSIONS


class Command(BaseCommand):
    help = (
        "Create a user with no password in one of the back office's groups, give it an "
        "API token and print the token (send it as `Authorization: Token <token>`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--group", required=True, choices=sorted(GROUP_PERMISSIONS))
        parser.add_argument("--email", default="")

    def handle(self, *args: object, username: str, group: str, email: str, **options: object):
        user_model = get_user_model()
        if user_model.objects.filter(username=username).exists():
            raise CommandError(f"User {username!r} already exists.")
        try:
            role = Group.objects.get(name=group)
        except Group.DoesNotExist:
            raise CommandError(f"Group {group!r} does not exist yet: run `migrate`.") from None
        with transaction.atomic():
            user = user_model.objects.create_user(username=username, email=email)
            user.groups.add(role)
            token = Token.objects.create(user=user)
        self.stdout.write(token.key)
