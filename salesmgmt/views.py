"""Cross-cutting pages: the health check and the error pages (JSON under /api/)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from salesmgmt.observability import current_request_id

log = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: the database answers; reports the task mode."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        log.exception("health check: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    tasks = "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "broker"
    return JsonResponse({"status": "ok", "database": "ok", "tasks": tasks})


def server_error(request: HttpRequest) -> HttpResponse:
    """A generic 500 that shows the request id (never a traceback); needs no database."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"request_id": current_request_id()}))


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 for a request Django refused before any view (JSON for API clients)."""
    if _is_api(request):
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    return defaults.bad_request(request, exception)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for an address no route matches (JSON for API clients, like the API's own 404s)."""
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
