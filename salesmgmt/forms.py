"""Form fields every page shares: dates and date-times within the supported calendar, and
the CSV upload of the import pages.

Every page form and every query-string filter of a page that takes a date uses these
fields, so an impossible date (2026-02-30) or one outside `periods.FIRST_SUPPORTED_DATE`
… `periods.LAST_SUPPORTED_DATE` is a form error, never a crash further down. The API's
counterparts live in `salesmgmt.api`.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesmgmt import periods
from salesmgmt.csv_files import too_large_message

_RANGE_ATTRS = {
    "min": periods.FIRST_SUPPORTED_DATE.isoformat(),
    "max": periods.LAST_SUPPORTED_DATE.isoformat(),
}


class DateInput(forms.DateInput):
    """The browser's date picker, limited to the supported calendar."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({**_RANGE_ATTRS, **(attrs or {})}, format="%Y-%m-%d")


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        limits = {"min": f"{_RANGE_ATTRS['min']}T00:00", "max": f"{_RANGE_ATTRS['max']}T23:59"}
        super().__init__({**limits, **(attrs or {})}, format="%Y-%m-%dT%H:%M")


class DateField(forms.DateField):
    """A date in the supported calendar (`YYYY-MM-DD`, as the date picker sends it)."""

    widget = DateInput
    default_validators = [periods.validate_supported_date]


class OrgDateTimeField(forms.DateTimeField):
    """A date-time typed in the organisation's time zone (not the server's), whose local
    date lies in the supported calendar. The input has no offset: it is local time."""

    widget = LocalDateTimeInput
    default_validators = [periods.validate_supported_date]

    def __init__(self, *args: Any, tzinfo: zoneinfo.ZoneInfo | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.tzinfo = tzinfo

    def to_python(self, value: Any) -> datetime | None:
        with timezone.override(self.tzinfo):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime) and timezone.is_aware(value):
            return timezone.make_naive(value, self.tzinfo).replace(second=0, microsecond=0)
        return value


class CSVUploadForm(forms.Form):
    """An import page's upload: one CSV file within IMPORT_MAX_BYTES, cleaned to its bytes.

    Subclasses set `help_text` (the columns the file needs).
    """

    help_text: Any = ""

    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.help_text

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(too_large_message())
        return bytes(upload.read(limit + 1))
