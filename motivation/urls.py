"""Pages of the motivation app, under /o/<org_slug>/."""

from django.urls import include, path

from motivation import views

app_name = "motivation"

org_urlpatterns = [
    path("checkins/", views.checkins, name="checkins"),
    path("checkins/<int:checkin_id>/delete/", views.checkin_delete, name="checkin_delete"),
    path("motivation/settings/", views.motivation_settings, name="settings"),
    path("talk/", views.talk, name="talk"),
    path("people/<int:user_id>/motivation/", views.person, name="person"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("kudos/", views.kudos, name="kudos"),
    path("kudos/<int:kudos_id>/delete/", views.kudos_delete, name="kudos_delete"),
    path(
        "kudos/congratulate/<int:deal_id>/",
        views.deal_congratulate,
        name="deal_congratulate",
    ),
    path("one-on-ones/", views.one_on_ones, name="one_on_ones"),
    path("one-on-ones/<int:one_on_one_id>/", views.one_on_one_detail, name="one_on_one_detail"),
    path(
        "one-on-ones/<int:one_on_one_id>/delete/",
        views.one_on_one_delete,
        name="one_on_one_delete",
    ),
    path("one-on-ones/<int:one_on_one_id>/items/", views.action_item_add, name="action_item_add"),
    path(
        "one-on-ones/<int:one_on_one_id>/items/<int:item_id>/done/",
        views.action_item_done,
        name="action_item_done",
    ),
    path("one-on-ones/<int:one_on_one_id>/agenda/", views.agenda_propose, name="agenda_propose"),
]

urlpatterns = [
    path("o/<slug:org_slug>/", include(org_urlpatterns)),
]
