"""Pages of the activities app, under /o/<org_slug>/activities/."""

from django.urls import include, path

app_name = "activities"

org_urlpatterns: list = []

urlpatterns = [
    path("o/<slug:org_slug>/activities/", include(org_urlpatterns)),
]
