"""API routes of the deals app, mounted under /api/v1/orgs/<org_slug>/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from deals import api

router = SimpleRouter()
router.register("customers", api.CustomerViewSet, basename="customer")
router.register("stages", api.StageViewSet, basename="stage")
router.register("deals", api.DealViewSet, basename="deal")

org_urlpatterns = [
    *router.urls,
    path("stats/pipeline/", api.PipelineView.as_view(), name="stats-pipeline"),
    path("stats/forecast/", api.ForecastView.as_view(), name="stats-forecast"),
    path("stats/deals/", api.DealStatsView.as_view(), name="stats-deals"),
]
