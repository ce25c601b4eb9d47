"""Pages of the messaging app, under /o/<org_slug>/."""

from django.urls import include, path

from messaging import views

app_name = "messaging"

org_urlpatterns = [
    path("feed/", views.feed, name="feed"),
    path("feed/new-posts/", views.feed_new_count, name="feed_new_count"),
    path("feed/new/", views.post_create, name="post_create"),
    path("feed/report/", views.report_create, name="report_create"),
    path("feed/reports/", views.report_list, name="report_list"),
    path("feed/<int:post_id>/", views.post_detail, name="post_detail"),
    path("feed/<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path("feed/<int:post_id>/delete/", views.post_delete, name="post_delete"),
    path("feed/<int:post_id>/comments/", views.comment_add, name="comment_add"),
    path(
        "feed/<int:post_id>/comments/<int:comment_id>/helpful/",
        views.comment_helpful,
        name="comment_helpful",
    ),
    path("feed/<int:post_id>/react/", views.post_react, name="post_react"),
    path("feed/<int:post_id>/review/", views.report_review, name="report_review"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("messages/", views.conversation_list, name="conversation_list"),
    path(
        "messages/<int:conversation_id>/",
        views.conversation_detail,
        name="conversation_detail",
    ),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/bell/", views.notification_bell, name="notification_bell"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path(
        "notifications/<int:notification_id>/open/",
        views.notification_open,
        name="notification_open",
    ),
]

urlpatterns = [
    path("o/<slug:org_slug>/", include(org_urlpatterns)),
]
