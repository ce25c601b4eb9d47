"""API routes of the evaluations app, mounted under /api/v1/orgs/<org_slug>/."""

from rest_framework.routers import SimpleRouter

from evaluations import api

router = SimpleRouter()
router.register("evaluation-criteria", api.CriterionViewSet, basename="evaluation-criterion")

router.register("evaluation-cycles", api.CycleViewSet, basename="evaluation-cycle")
router.register("evaluations", api.EvaluationViewSet, basename="evaluation")

org_urlpatterns = [*router.urls]
