"""The API side of CSV files, shared by every app's import and export endpoints.

`read_csv_upload` takes the file of an import request (a multipart `file`, or the body
itself as text/csv) within IMPORT_MAX_BYTES: 413 beyond, refused before the body is read
when the declared length already says so. `import_response` answers an import: 201 with
`{"created", "errors": []}`, 400 with the same shape listing the refused lines, or 202 with
the import job to poll. `import_schema` documents all of that for OpenAPI, 413 and 429
included, so every import endpoint is described the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, parsers, renderers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from salesmgmt.csv_files import (
    ImportRefused,
    ImportResult,
    LineError,
    csv_lines,
    declared_too_large,
    too_large_message,
)
from salesmgmt.imports import JOB_PHASES, JobStatus


class CSVRenderer(renderers.BaseRenderer):
    """Lets clients ask for `text/csv`; errors on such a request are rendered as CSV too."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        if isinstance(data, dict):
            rows = [
                (field, message)
                for field, messages in data.items()
                for message in (messages if isinstance(messages, list) else [messages])
            ]
            return "".join(csv_lines(("field", "message"), rows)).encode()
        return str(data).encode()


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self) -> None:
        super().__init__(too_large_message())


class CSVTextParser(parsers.BaseParser):
    """A raw `text/csv` body, returned as bytes (at most IMPORT_MAX_BYTES)."""

    media_type = "text/csv"

    def parse(  # type: ignore[override]  # DRF passes any parse result on as request.data
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        limit = settings.IMPORT_MAX_BYTES
        content = stream.read(limit + 1) if stream is not None else b""
        if len(content) > limit:
            raise PayloadTooLarge()
        return bytes(content)


IMPORT_PARSERS = [parsers.MultiPartParser, CSVTextParser]


def read_csv_upload(request: Request) -> bytes:
    """The CSV of an import request: a multipart `file` or a raw text/csv body.

    413 (PayloadTooLarge) over IMPORT_MAX_BYTES; a declared length over the limit is
    refused before the body is read at all. No file: 400 in the import's shape.
    """
    if declared_too_large(request.META):
        raise PayloadTooLarge()
    try:
        content = request.data
        upload = request.FILES.get("file")
    except exceptions.ParseError as exc:
        raise ImportRefused([LineError(0, str(exc.detail))]) from None
    if isinstance(content, bytes):
        return content
    if upload is None:
        message = _("Upload a CSV file as `file`, or send the CSV as text/csv.")
        raise ImportRefused([LineError(0, message)])
    limit = settings.IMPORT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise PayloadTooLarge()
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge()
    return bytes(data)


class LineErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        help_text=gettext_lazy("Line of the file (1 is the header; 0 the file as a whole).")
    )
    message = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text=gettext_lazy("Rows written; 0 on any error."))
    # A declared field, not the Serializer.errors property (the metaclass moves it aside).
    errors = LineErrorSerializer(many=True)  # type: ignore[assignment]


class ImportJobSerializer(serializers.Serializer):
    """An import job as its creator (and admins) follow it."""

    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=gettext_lazy("What is imported: activities, deals."))
    status = serializers.ChoiceField(choices=JobStatus.choices)
    phase = serializers.ChoiceField(
        choices=JOB_PHASES,
        help_text=gettext_lazy(
            "queued; checking (processed_rows of total_rows checked); writing (all rows in "
            "one transaction); done."
        ),
    )
    total_rows = serializers.IntegerField()
    processed_rows = serializers.IntegerField(help_text=gettext_lazy("Rows checked so far."))
    created = serializers.IntegerField(
        source="created_count", help_text=gettext_lazy("Rows written (succeeded jobs).")
    )
    errors = LineErrorSerializer(  # type: ignore[assignment]
        many=True, help_text=gettext_lazy("Refused lines of a failed job (at most 500).")
    )
    error_count = serializers.IntegerField(help_text=gettext_lazy("Every refused line."))
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField(help_text=gettext_lazy("Poll this for progress."))

    def get_url(self, job: Any) -> str:
        path = job_api_path(self.context["org"].slug, job.pk)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


def job_api_path(org_slug: str, job_id: int) -> str:
    return reverse("api:import-job-detail", kwargs={"org_slug": org_slug, "job_id": job_id})


def import_response(outcome: Any, *, context: dict[str, Any]) -> Response:
    """201/400 with `{"created", "errors"}` for an import done now; 202 with a queued job."""
    if isinstance(outcome, ImportResult):
        code = status.HTTP_400_BAD_REQUEST if outcome.errors else status.HTTP_201_CREATED
        return Response(ImportResultSerializer(outcome.as_dict()).data, status=code)
    job = ImportJobSerializer(outcome, context=context).data
    return Response(job, status=status.HTTP_202_ACCEPTED, headers={"Location": job["url"]})


DetailSerializer = inline_serializer("Detail", {"detail": serializers.CharField()})


def import_schema(*, what: str, columns: str, notes: str = "") -> Callable[[Any], Any]:
    """The OpenAPI description of an import endpoint (request bodies and every answer)."""
    return extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                f"{what.capitalize()}ImportUpload",
                {"file": serializers.FileField(help_text=f"CSV with columns {columns}.")},
            ),
            "text/csv": OpenApiTypes.STR,
        },
        responses={
            201: OpenApiResponse(ImportResultSerializer, description="Every row was written."),
            202: OpenApiResponse(
                ImportJobSerializer,
                description="A large file: queued as an import job; poll `url` (also the "
                "Location header) until its status is succeeded or failed.",
            ),
            400: OpenApiResponse(
                ImportResultSerializer,
                description="Nothing was written: the refused lines, with their numbers "
                "(line 0: the file as a whole, e.g. not UTF-8, no `file`).",
            ),
            403: OpenApiResponse(DetailSerializer, description="Not allowed to import this."),
            413: OpenApiResponse(DetailSerializer, description="The file is too large."),
            429: OpenApiResponse(
                DetailSerializer,
                description="Too many imports (per person or per organisation), or the "
                "caller's previous import job is still running; see Retry-After.",
            ),
        },
        description=(
            f"Import {what} from CSV (UTF-8; columns {columns}), all or nothing: any bad line "
            "and nothing is written, every bad line is listed with its number. Files of up to "
            f"{settings.IMPORT_SYNC_MAX_ROWS} rows are imported at once (201/400); larger ones "
            "are queued as an import job (202). At most "
            f"{settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB and {settings.IMPORT_MAX_ROWS} "
            "rows per file; imports per person and per organisation are rate-limited. " + notes
        ),
    )
