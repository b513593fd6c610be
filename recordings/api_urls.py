"""`/api/v1/`: the recordings REST API."""

from rest_framework.routers import DefaultRouter

from .api import RecordingPolicyViewSet, RecordingViewSet

router = DefaultRouter()
router.register("recording-policies", RecordingPolicyViewSet, basename="recording-policy")
router.register("recordings", RecordingViewSet, basename="recording")

urlpatterns = router.urls
