"""Pages of the evaluations app, under /o/<org_slug>/."""

from django.urls import include, path

from evaluations import views

app_name = "evaluations"

org_urlpatterns = [
    path("evaluations/criteria/", views.criteria, name="criteria"),
    path(
        "evaluations/criteria/<int:criterion_id>/",
        views.criterion_edit,
        name="criterion_edit",
    ),
    path("evaluations/cycles/", views.cycles, name="cycles"),
    path("evaluations/cycles/<int:cycle_id>/advance/", views.cycle_advance, name="cycle_advance"),
    path(
        "evaluations/cycles/<int:cycle_id>/assign-evaluator/",
        views.cycle_assign_evaluator,
        name="cycle_assign_evaluator",
    ),
    path(
        "evaluations/cycles/<int:cycle_id>/calibration/",
        views.cycle_calibration,
        name="cycle_calibration",
    ),
    path(
        "evaluations/cycles/<int:cycle_id>/export/",
        views.cycle_export,
        name="cycle_export",
    ),
    path("evaluations/", views.evaluation_list, name="evaluation_list"),
    path("evaluations/<int:evaluation_id>/", views.evaluation_detail, name="evaluation_detail"),
    path(
        "evaluations/<int:evaluation_id>/final/",
        views.evaluation_final,
        name="evaluation_final",
    ),
    path(
        "evaluations/<int:evaluation_id>/action-items/",
        views.evaluation_action_items,
        name="evaluation_action_items",
    ),
    path(
        "evaluations/<int:evaluation_id>/acknowledge/",
        views.evaluation_acknowledge,
        name="evaluation_acknowledge",
    ),
]

urlpatterns = [
    path("o/<slug:org_slug>/", include(org_urlpatterns)),
]
