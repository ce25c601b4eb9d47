"""Cross-cutting pages: the health check and the last-resort error page."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
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
