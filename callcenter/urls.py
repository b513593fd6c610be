from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from .health import healthz, livez

handler403 = "console.views.refusals.permission_denied"
handler404 = "callcenter.api_errors.not_found"

urlpatterns = [
    # The root is where the admin's "View site" leads: the dashboard.
    path("", RedirectView.as_view(pattern_name="admin:index"), name="home"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    # Every app the same way: the URLs handed to Twilio in `webhook_urls` (names
    # namespaced by app, e.g. "queues:voice"), its REST API in `api_urls` (a router).
    path("twilio/", include("calls.webhook_urls")),
    path("twilio/", include("conversations.webhook_urls")),
    path("twilio/", include("queues.webhook_urls")),
    path("twilio/", include("campaigns.webhook_urls")),
    path("api/v1/", include("console.api_urls")),
    path("api/v1/", include("calls.api_urls")),
    path("api/v1/", include("conversations.api_urls")),
    path("api/v1/", include("queues.api_urls")),
    path("api/v1/", include("campaigns.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]
