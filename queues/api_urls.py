"""`/api/v1/`: the queues REST API."""

from rest_framework.routers import SimpleRouter

from .api import (
    AgentViewSet,
    InboundNumberViewSet,
    QueueEntryViewSet,
    QueueViewSet,
    SurveyResponseViewSet,
    SurveyViewSet,
)

router = SimpleRouter()
router.register("queues", QueueViewSet, basename="queue")
router.register("inbound-numbers", InboundNumberViewSet, basename="inbound-number")
router.register("agents", AgentViewSet, basename="agent")
router.register("queue-entries", QueueEntryViewSet, basename="queue-entry")
router.register("surveys", SurveyViewSet, basename="survey")
router.register("survey-responses", SurveyResponseViewSet, basename="survey-response")

urlpatterns = router.urls
