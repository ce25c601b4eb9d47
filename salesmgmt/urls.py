"""The URL map. Pages of an organisation live under /o/<org_slug>/ (each app adds its
own namespaced `urls.py`), its API under /api/v1/orgs/<org_slug>/ (each app adds
`org_urlpatterns` from its `api_urls.py`)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api_urls as accounts_api
from accounts import views as accounts_views
from activities import api_urls as activities_api
from dashboards import api_urls as dashboards_api
from deals import api_urls as deals_api
from evaluations import api_urls as evaluations_api
from goals import api_urls as goals_api
from messaging import api_urls as messaging_api
from motivation import api_urls as motivation_api
from salesmgmt import views

api_org_patterns = [
    *accounts_api.org_urlpatterns,
    *activities_api.org_urlpatterns,
    *goals_api.org_urlpatterns,
    *deals_api.org_urlpatterns,
    *messaging_api.org_urlpatterns,
    *motivation_api.org_urlpatterns,
    *evaluations_api.org_urlpatterns,
    *dashboards_api.org_urlpatterns,
]

api_patterns = [
    *accounts_api.auth_urlpatterns,
    path("orgs/<slug:org_slug>/", include(api_org_patterns)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api_docs.html"),
        name="docs",
    ),
]

urlpatterns = [
    # First: the API's requests (most of the traffic) then match without trying every page
    # pattern of every app (the pages' includes have no prefix of their own).
    path("api/v1/", include((api_patterns, "api"))),
    path("", accounts_views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("activities.urls")),
    path("", include("deals.urls")),
    path("", include("goals.urls")),
    path("", include("messaging.urls")),
    path("", include("motivation.urls")),
    path("", include("evaluations.urls")),
    path("", include("dashboards.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "salesmgmt.views.bad_request"
handler404 = "salesmgmt.views.not_found"
handler500 = "salesmgmt.views.server_error"
