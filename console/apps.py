from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ConsoleConfig(AppConfig):
    """Templates and static files (charts, board polling) of the supervisor console."""

    default = True
    name = "console"
    verbose_name = "Supervisor console"


class SupervisorAdminConfig(admin_apps.AdminConfig):
    """`django.contrib.admin` with the console's site as `admin.site`, so every
    app's `@admin.register` lands on the site whose index is the dashboard."""

    default = False
    default_site = "console.sites.SupervisorAdminSite"
