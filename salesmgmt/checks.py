"""Deployment checks for what would otherwise break every request.

With the manifest storage of production (DEBUG off), `{% static %}` looks each file up in the
manifest `collectstatic` writes, and raises when it is not there. The base layout names
several files, so a deploy without `collectstatic`, or with files collected from an older
release, answered 500 on every page. `manage.py check --deploy` reports it, and the web
process refuses to start (wsgi.py) instead of serving errors.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured

HINT = (
    "Run `python manage.py collectstatic --noinput` with the production settings before "
    "starting the web process (the Procfile's release step does)."
)


def _source_files() -> set[str]:
    """Every static file collectstatic would collect, by its name in the manifest."""
    ignore = apps.get_app_config("staticfiles").ignore_patterns  # type: ignore[attr-defined]
    names = set()
    for finder in get_finders():
        for path, storage in finder.list(ignore):
            prefix = getattr(storage, "prefix", None)
            names.add(f"{prefix}/{path}" if prefix else path)
    return names


def static_manifest_errors() -> list[Error]:
    """Errors when the collected manifest is missing or lacks a file the code ships."""
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return []
    manifest = staticfiles_storage.hashed_files  # what `{% static %}` looks names up in
    if not manifest:
        return [
            Error(
                f"No collected static files: STATIC_ROOT ({settings.STATIC_ROOT}) has no "
                f"{staticfiles_storage.manifest_name}, so every page would fail.",
                hint=HINT,
                id="salesmgmt.E001",
            )
        ]
    missing = sorted(_source_files() - manifest.keys())
    if missing:
        return [
            Error(
                f"{len(missing)} static file(s) are not in the collected manifest "
                f"(e.g. {', '.join(missing[:3])}): the collected files are older than the code.",
                hint=HINT,
                id="salesmgmt.E002",
            )
        ]
    return []


@register(deploy=True)
def check_static_manifest(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return list(static_manifest_errors())


def refuse_to_serve_without_collected_static() -> None:
    """Stop a web process at startup, with the reason, rather than answer 500 to every page."""
    errors = static_manifest_errors()
    if errors:
        raise ImproperlyConfigured(" ".join(f"{e.msg} {e.hint}" for e in errors))
