"""API routes of the goals app, mounted under /api/v1/orgs/<org_slug>/."""

from rest_framework.routers import SimpleRouter

from goals import api

router = SimpleRouter()
router.register("metrics", api.MetricViewSet, basename="metric")
router.register("goals", api.GoalViewSet, basename="goal")

org_urlpatterns = [*router.urls]
