"""Pages of the deals app, under /o/<org_slug>/deals/."""

from django.urls import include, path

from deals import views

app_name = "deals"

org_urlpatterns = [
    path("", views.deal_board, name="deal_board"),
    path("list/", views.deal_list, name="deal_list"),
    path("list/export.csv", views.deal_export, name="deal_export"),
    path("list/views/", views.view_save, name="view_save"),
    path("list/views/<int:view_id>/delete/", views.view_delete, name="view_delete"),
    path("new/", views.deal_create, name="deal_create"),
    path("import/", views.deal_import, name="deal_import"),
    path("<int:deal_id>/", views.deal_detail, name="deal_detail"),
    path("<int:deal_id>/edit/", views.deal_edit, name="deal_edit"),
    path("<int:deal_id>/delete/", views.deal_delete, name="deal_delete"),
    path("<int:deal_id>/move/", views.deal_move, name="deal_move"),
    path("<int:deal_id>/forecast/", views.deal_forecast, name="deal_forecast"),
    path("<int:deal_id>/notes/", views.note_add, name="note_add"),
    path("<int:deal_id>/concerns/", views.concern_add, name="concern_add"),
    path(
        "<int:deal_id>/concerns/<int:concern_id>/resolve/",
        views.concern_resolve,
        name="concern_resolve",
    ),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:customer_id>/contacts/", views.contact_add, name="contact_add"),
    path("load/", views.deal_load, name="deal_load"),
    path("forecast/", views.forecast_report, name="forecast_report"),
    path("stages/", views.stage_list, name="stage_list"),
    path("stages/<int:stage_id>/", views.stage_edit, name="stage_edit"),
]

urlpatterns = [
    path("o/<slug:org_slug>/deals/", include(org_urlpatterns)),
]
