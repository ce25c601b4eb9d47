from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts import api

router = SimpleRouter()
router.register("teams", api.TeamViewSet, basename="team")
router.register("members", api.MemberViewSet, basename="member")
router.register("domains", api.DomainViewSet, basename="domain")
router.register("import-jobs", api.ImportJobViewSet, basename="import-job")

auth_urlpatterns = [
    path("auth/token/", api.TokenLoginView.as_view(), name="token"),
    path("auth/logout/", api.TokenLogoutView.as_view(), name="token_logout"),
    path("me/", api.MeView.as_view(), name="me"),
]

org_urlpatterns = [
    path("", api.OrganizationView.as_view(), name="organization"),
    *router.urls,
]
