"""A URLconf for the error-page tests: the project's URLs plus views that always fail."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from salesmgmt.urls import urlpatterns as project_urlpatterns

SECRET_DETAIL = "db-password-is-hunter2"


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"internal detail that must not leak: {SECRET_DETAIL}")


class ApiBoom(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        raise RuntimeError(f"internal detail that must not leak: {SECRET_DETAIL}")


urlpatterns = [
    path("boom/", boom, name="boom"),
    path("api/v1/boom/", ApiBoom.as_view(), name="api_boom"),
    *project_urlpatterns,
]

handler500 = "salesmgmt.views.server_error"
