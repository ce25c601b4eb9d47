"""Filter plumbing every list shares (django-filter): people by name, things by their stable
key, organisation ids, yes/no parameters, supported dates and the one date-range limit.

Each app's `filters.py` declares its list's one FilterSet with these; the API reads it through
`DjangoFilterBackend` (so the schema is documented from it) and the page renders its `form`.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes

from salesmgmt import periods
from salesmgmt.forms import DateField

# The spellings a yes/no query parameter accepts (as DRF's boolean fields do).
_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}
_NULL = {"", "null", "none"}


class PersonChoiceField(forms.ModelChoiceField):
    """A user, shown by display name."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class KeyChoiceField(forms.ModelChoiceField):
    """A thing chosen by its stable key (`new_visit`, `proposal`), as buttons, CSV, URLs and
    the API say it, shown by name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("to_field_name", "key")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class DocumentedFilter(django_filters.Filter):
    """A filter whose query parameter the API schema types as `schema_type` and describes
    with the filter's help text (the schema cannot infer either from a model choice)."""

    schema_type: Any = OpenApiTypes.STR

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = dict(build_basic_type(self.schema_type) or {})
        if self.extra.get("help_text"):
            schema["description"] = self.extra["help_text"]
        self._spectacular_annotation = {"field": schema}


class PersonFilter(DocumentedFilter, django_filters.ModelChoiceFilter):
    """A member of the organisation, by user id."""

    field_class = PersonChoiceField
    schema_type = OpenApiTypes.INT


class IdChoiceFilter(DocumentedFilter, django_filters.ModelChoiceFilter):
    """An object of the organisation (a team…), by id."""

    schema_type = OpenApiTypes.INT


class KeyChoiceFilter(DocumentedFilter, django_filters.ModelChoiceFilter):
    """A thing of the organisation by its stable key."""

    field_class = KeyChoiceField


class YesNoField(forms.NullBooleanField):
    """true/false (also yes/no, 1/0, on/off), or empty for "either"; anything else is an
    error (a typo must not silently show everything)."""

    default_error_messages = {"invalid": _("Use true or false.")}

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if text in _NULL:
            return None
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value: Any) -> None:
        return None


class YesNoSelect(forms.Select):
    """A select of "either / yes / no" whose values are the API's `true` and `false`."""

    def __init__(self, either: Any, yes: Any, no: Any) -> None:
        super().__init__(choices=[("", either), ("true", yes), ("false", no)])

    def format_value(self, value: Any) -> list[str]:
        try:
            parsed = YesNoField().to_python(value)
        except forms.ValidationError:
            return [""]
        return ["" if parsed is None else ("true" if parsed else "false")]


class YesNoFilter(DocumentedFilter, django_filters.BooleanFilter):
    field_class = YesNoField
    schema_type = OpenApiTypes.BOOL


class SupportedDateFilter(django_filters.DateFilter):
    """A date within the supported calendar (`YYYY-MM-DD`)."""

    field_class = DateField


class DateRangeForm(forms.Form):
    """A form whose `from`/`to` obey the one date-range limit (the error lands on `to`)."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            periods.validate_filter_range(cleaned.get("from"), cleaned.get("to"))
        except ValidationError as exc:
            self.add_error("to", exc)
        return cleaned


def search(queryset: QuerySet[Any], text: str | None, fields: tuple[str, ...]) -> QuerySet[Any]:
    """Rows where any of `fields` contains `text` (case-insensitive); all rows for no text."""
    text = (text or "").strip()
    if not text:
        return queryset
    matches = Q()
    for field in fields:
        matches |= Q(**{f"{field}__icontains": text})
    return queryset.filter(matches)
