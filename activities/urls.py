"""Pages of the activities app, under /o/<org_slug>/activities/."""

from django.urls import include, path

from activities import views

app_name = "activities"

org_urlpatterns = [
    path("", views.my_day, name="my_day"),
    path("list/", views.activity_list, name="activity_list"),
    path("export.csv", views.activity_export, name="activity_export"),
    path("import/", views.activity_import, name="activity_import"),
    path("<int:activity_id>/", views.activity_edit, name="activity_edit"),
    path("<int:activity_id>/delete/", views.activity_delete, name="activity_delete"),
    path("funnel/", views.funnel, name="funnel"),
    path("accompaniments/", views.accompaniments, name="accompaniments"),
    path("types/", views.type_list, name="type_list"),
    path("types/<int:type_id>/", views.type_edit, name="type_edit"),
]

urlpatterns = [
    path("o/<slug:org_slug>/activities/", include(org_urlpatterns)),
]
