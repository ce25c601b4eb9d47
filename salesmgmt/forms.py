"""Forms every app's pages share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from salesmgmt.csv_files import too_large_message


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
