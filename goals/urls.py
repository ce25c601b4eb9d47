"""Pages of the goals app, under /o/<org_slug>/goals/."""

from django.urls import include, path

from goals import views

app_name = "goals"

org_urlpatterns = [
    path("", views.my_goals, name="my_goals"),
    path("team/", views.team_goals, name="team_goals"),
    path("new/", views.goal_create, name="goal_create"),
    path("templates/", views.cascade_templates, name="cascade_templates"),
    path("metrics/", views.metric_list, name="metric_list"),
    path("metrics/new/", views.metric_create, name="metric_create"),
    path("metrics/<int:metric_id>/", views.metric_edit, name="metric_edit"),
    path("days-off/", views.days_off, name="days_off"),
    path("days-off/<int:day_off_id>/delete/", views.day_off_delete, name="day_off_delete"),
    path("checkin/", views.manual_checkin, name="manual_checkin"),
    path("<int:goal_id>/", views.goal_detail, name="goal_detail"),
    path("<int:goal_id>/delete/", views.goal_delete, name="goal_delete"),
    path("<int:goal_id>/cascade/", views.goal_cascade, name="goal_cascade"),
    path("<int:goal_id>/target/", views.goal_target_edit, name="goal_target_edit"),
    path("<int:goal_id>/save-template/", views.goal_save_template, name="goal_save_template"),
]

urlpatterns = [
    path("o/<slug:org_slug>/goals/", include(org_urlpatterns)),
]
