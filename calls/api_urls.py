"""`/api/v1/`: the calls REST API."""

from rest_framework.routers import DefaultRouter

from .api import CallViewSet, RedirectViewSet

router = DefaultRouter()
router.register("calls", CallViewSet, basename="call")
router.register("redirects", RedirectViewSet, basename="redirect")

urlpatterns = router.urls
