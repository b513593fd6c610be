"""`/api/v1/campaigns/`: campaigns and the do-not-call list."""

from rest_framework.routers import SimpleRouter

from .api import CampaignViewSet, DoNotCallViewSet

router = SimpleRouter()
router.register("campaigns/do-not-call", DoNotCallViewSet, basename="do-not-call")
router.register("campaigns", CampaignViewSet, basename="campaign")

urlpatterns = router.urls
