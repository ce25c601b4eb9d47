"""API routes of the motivation app, mounted under /api/v1/orgs/<org_slug>/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from motivation import api

router = SimpleRouter()
router.register("checkins", api.CheckInViewSet, basename="checkin")
router.register("one-on-ones", api.OneOnOneViewSet, basename="one-on-one")
router.register("kudos", api.KudosViewSet, basename="kudos")

org_urlpatterns = [
    *router.urls,
    path("alerts/", api.AlertsView.as_view(), name="alerts"),
    path("leaderboard/", api.LeaderboardView.as_view(), name="leaderboard"),
    path(
        "people/<int:user_id>/recognition/",
        api.RecognitionView.as_view(),
        name="recognition",
    ),
    path(
        "motivation-settings/",
        api.MotivationSettingsView.as_view(),
        name="motivation-settings",
    ),
]
