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
]

urlpatterns = [
    path("o/<slug:org_slug>/", include(org_urlpatterns)),
]
