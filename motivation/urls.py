"""Pages of the motivation app, under /o/<org_slug>/."""

from django.urls import include, path

from motivation import views

app_name = "motivation"

org_urlpatterns = [
    path("checkins/", views.checkins, name="checkins"),
    path("checkins/<int:checkin_id>/delete/", views.checkin_delete, name="checkin_delete"),
    path("motivation/settings/", views.motivation_settings, name="settings"),
]

urlpatterns = [
    path("o/<slug:org_slug>/", include(org_urlpatterns)),
]
