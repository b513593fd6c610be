"""`/api/v1/`: the conversations REST API."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from .api import CallConversationViewSet, ConversationActionViewSet

router = DefaultRouter()
router.register("conversation-actions", ConversationActionViewSet, basename="conversation-action")

conversation = CallConversationViewSet.as_view({"get": "retrieve"})
actions = CallConversationViewSet.as_view({"get": "actions", "post": "actions"})

urlpatterns = [
    path("calls/<str:id>/conversation/", conversation, name="call-conversation"),
    path("calls/<str:id>/conversation/actions/", actions, name="call-conversation-actions"),
    *router.urls,
]
