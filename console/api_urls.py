"""The console's part of `/api/v1/`: a call's timeline."""

from django.urls import re_path

from calls.filters import CALL_REFERENCE_PATTERN

from .api import CallTimelineView

urlpatterns = [
    re_path(
        rf"^calls/(?P<id>{CALL_REFERENCE_PATTERN})/timeline/$",
        CallTimelineView.as_view(),
        name="call-timeline",
    ),
]
