"""The OpenAPI schema's error answers, documented once for every operation.

drf-spectacular documents the success answer of each operation; the error answers follow
from what the operation is, so `AutoSchema` adds them here rather than in every view:

- 400 everywhere: a bad query string (a NUL character, a bad filter) or body;
- 401 where a token or session is required, 403/404 under `/orgs/<org_slug>/` (a slug the
  caller is not a member of, or an object of another organisation, is a 404);
- 413/415 where a body is read (too large, or not JSON/form), 429 where a rate limit applies.

Answers particular to one operation (409 on a stale goal version) are declared on the view
with `extend_schema(responses=...)` and are kept as they are.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ERROR = inline_serializer(
    "Error",
    {"detail": serializers.CharField(help_text="What went wrong.")},
)
# A validation error names each refused field; its shape follows the input's.
VALIDATION_ERROR = ResolvedComponent(
    name="ValidationError",
    type=ResolvedComponent.SCHEMA,
    object="ValidationError",
    schema={
        "type": "object",
        "description": (
            'Bad input: `{"<field>": ["message", ...]}` for each refused field (nested like '
            'the input for nested fields), or `{"detail": "message"}`.'
        ),
        "properties": {
            "detail": {
                "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
            }
        },
        "additionalProperties": {},
    },
)
NOT_AUTHENTICATED = OpenApiResponse(ERROR, description="No valid token or session.")
FORBIDDEN = OpenApiResponse(ERROR, description="The caller's role does not allow this.")
NOT_FOUND = OpenApiResponse(
    ERROR,
    description="No such object in this organisation, or the caller is not a member of it.",
)
TOO_LARGE = OpenApiResponse(ERROR, description="The request body is too large.")
UNSUPPORTED_MEDIA_TYPE = OpenApiResponse(ERROR, description="The body is not JSON or a form.")
THROTTLED = OpenApiResponse(ERROR, description="Too many requests; try again later.")
CONFLICT = OpenApiResponse(ERROR, description="The object changed meanwhile.")


class AutoSchema(openapi.AutoSchema):
    def _error_responses(self) -> dict[str, OpenApiResponse]:
        from salesmgmt.api import OrgScopedAPIMixin

        self.registry.register_on_missing(VALIDATION_ERROR)
        errors = {"400": OpenApiResponse(VALIDATION_ERROR.ref, description="Bad input.")}
        if {} not in (self.get_auth() or [{}]):
            errors["401"] = NOT_AUTHENTICATED
        if isinstance(self.view, OrgScopedAPIMixin):
            errors |= {"403": FORBIDDEN, "404": NOT_FOUND}
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            errors |= {"413": TOO_LARGE, "415": UNSUPPORTED_MEDIA_TYPE}
        if getattr(self.view, "throttle_scope", None):
            errors["429"] = THROTTLED
        return errors

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code, response in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, None, direction)
        return responses
