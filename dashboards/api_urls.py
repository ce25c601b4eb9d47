"""API routes of the dashboards app, mounted under /api/v1/orgs/<org_slug>/."""

from django.urls import path

from dashboards import api

org_urlpatterns = [
    path("dashboards/team/<int:team_id>/", api.TeamDashboardView.as_view(), name="dashboard-team"),
]
