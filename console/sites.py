"""The admin site of the back office: its index is the dashboard, and it serves the
live board and call timelines as admin views (`get_urls`, `admin_view`)."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, path

from .views.board import LiveBoardViews
from .views.dashboard import DashboardViews
from .views.timeline import TimelineViews


class SupervisorAdminSite(DashboardViews, LiveBoardViews, TimelineViews, admin.AdminSite):
    site_header = "Call center back office"
    site_title = "Call center"
    index_title = "Dashboard"
    index_template = "console/index.html"

    def get_urls(self) -> list[URLPattern | URLResolver]:
        console = [
            path("console/board/", self.admin_view(self.board_view), name="console_board"),
            path(
                "console/board/rows/",
                self.admin_view(self.board_rows_view),
                name="console_board_rows",
            ),
            path(
                "console/calls/<int:call_id>/actions/<slug:action>/",
                self.admin_view(self.call_action_view),
                name="console_call_action",
            ),
            path(
                "console/scheduled/<int:redirect_id>/cancel/",
                self.admin_view(self.scheduled_cancel_view),
                name="console_scheduled_cancel",
            ),
            path(
                "console/agents/<int:agent_id>/<slug:change>/",
                self.admin_view(self.agent_status_view),
                name="console_agent_status",
            ),
            path(
                "console/calls/<int:call_id>/timeline/",
                self.admin_view(self.timeline_view),
                name="console_call_timeline",
            ),
        ]
        return [*console, *super().get_urls()]
