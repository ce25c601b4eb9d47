"""API routes of the activities app, mounted under /api/v1/orgs/<org_slug>/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from activities import api

router = SimpleRouter()
router.register("activity-types", api.ActivityTypeViewSet, basename="activity-type")
router.register("activities", api.ActivityViewSet, basename="activity")

org_urlpatterns = [
    *router.urls,
    path("stats/activity/", api.ActivityStatsView.as_view(), name="stats-activity"),
    path("stats/funnel/", api.ActivityFunnelView.as_view(), name="stats-funnel"),
]
