from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .health import healthz, livez

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    # Every app the same way: the URLs handed to Twilio in `webhook_urls` (names
    # namespaced by app, e.g. "queues:voice"), its REST API in `api_urls` (a router).
    path("twilio/", include("calls.webhook_urls")),
    path("twilio/", include("queues.webhook_urls")),
    path("twilio/", include("campaigns.webhook_urls")),
    path("api/v1/", include("calls.api_urls")),
    path("api/v1/", include("queues.api_urls")),
    path("api/v1/", include("campaigns.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
