"""Seeds the embedded demo: a supervisor login. Safe to run again."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the demo data (supervisor/supervisor). Running it again changes nothing."

    def handle(self, *args, **options):
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username="supervisor", defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password("supervisor")
            user.save(update_fields=["password"])
        self.stdout.write(self.style.SUCCESS("Demo data ready: supervisor / supervisor"))
