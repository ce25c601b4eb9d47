"""NUL characters are refused where input is decoded, before any field or query sees it.

PostgreSQL cannot store or even compare a text containing NUL (U+0000): a query with one
fails, so a NUL that reaches the database is a 500, whatever field or filter carried it.
No field of this product can legitimately hold one, so rather than trusting every field,
filter and hand-read parameter to check, input is refused at the three doors it comes in by:

- query strings, on every route (pages and API): `RefuseNullCharactersMiddleware`;
- API bodies (JSON, form, multipart): the API's parsers below (`DEFAULT_PARSER_CLASSES`);
- page form bodies: Django's form `CharField`, which already refuses NUL with a form error
  (every text input of a page is one; other fields parse or match a choice).

The answer names the parameter or top-level body field that carried the NUL, with the
message Django and DRF give for it: 400 `{"<field>": ["Null characters are not allowed."]}`
on the API, the 400 page on pages. CSV file contents are checked by the import itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy
from rest_framework import parsers
from rest_framework.exceptions import ValidationError

MESSAGE = gettext_lazy("Null characters are not allowed.")
API_PREFIX = "/api/"


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False


def field_with_nul(data: Any) -> str | None:
    """The top-level key whose value holds a NUL ("detail" for a key or a non-object), or None."""
    if isinstance(data, MultiValueDict):
        data = dict(data.lists())
    if isinstance(data, Mapping):
        for key, value in data.items():
            if _holds_nul(key):
                return "detail"
            if _holds_nul(value):
                return str(key)
        return None
    return "detail" if _holds_nul(data) else None


class RefuseNullCharactersMiddleware:
    """A query string with a NUL answers 400: JSON on the API, the 400 page on pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = field_with_nul(request.GET)
        if field is None:
            return self.get_response(request)
        if request.path.startswith(API_PREFIX):
            return JsonResponse({field: [str(MESSAGE)]}, status=400)
        raise BadRequest(f"{field}: {MESSAGE}")


class _RefuseNullCharactersMixin:
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        result = super().parse(stream, media_type, parser_context)  # type: ignore[misc]
        field = field_with_nul(getattr(result, "data", result))
        if field is not None:
            raise ValidationError({field: [MESSAGE]})
        return result


class JSONParser(_RefuseNullCharactersMixin, parsers.JSONParser):
    pass


class FormParser(_RefuseNullCharactersMixin, parsers.FormParser):
    pass


class MultiPartParser(_RefuseNullCharactersMixin, parsers.MultiPartParser):
    pass
