"""API routes of the messaging app, mounted under /api/v1/orgs/<org_slug>/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from messaging import api

router = SimpleRouter()
router.register("posts", api.PostViewSet, basename="post")
router.register("conversations", api.ConversationViewSet, basename="conversation")
router.register("notifications", api.NotificationViewSet, basename="notification")

org_urlpatterns = [
    *router.urls,
    path(
        "posts/<int:post_id>/comments/<int:comment_id>/helpful/",
        api.CommentHelpfulView.as_view(),
        name="comment-helpful",
    ),
    path("photos/<int:photo_id>/", api.PhotoView.as_view(), name="photo-detail"),
]
