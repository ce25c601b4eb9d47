"""API routes of the evaluations app, mounted under /api/v1/orgs/<org_slug>/."""

from rest_framework.routers import SimpleRouter

from evaluations import api

router = SimpleRouter()
router.register("evaluation-criteria", api.CriterionViewSet, basename="evaluation-criterion")

org_urlpatterns = [*router.urls]
