"""Pages of the dashboards app, under /o/<org_slug>/dashboards/."""

from django.urls import include, path

from dashboards import views

app_name = "dashboards"

org_urlpatterns = [
    path("", views.org_overview, name="org_overview"),
    path("team/", views.team_home, name="team_home"),
    path("team/<int:team_id>/", views.team_dashboard, name="team_dashboard"),
    path("member/<int:user_id>/", views.member_dashboard, name="member_dashboard"),
]

urlpatterns = [
    path("o/<slug:org_slug>/dashboards/", include(org_urlpatterns)),
]
