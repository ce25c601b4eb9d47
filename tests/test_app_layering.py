"""The apps depend one way, in code and in the schema (DESIGN.md, "Layout").

    dashboards → evaluations → motivation → messaging → deals → goals → activities
        → accounts → salesmgmt

An app may import from apps to its right only. `salesmgmt` is two things: the project's
composition root (settings, urls, the Celery app), which sits above every app, and shared
plumbing (periods, CSV, API fields, tenancy), which sits below every app. The exceptions are
listed here with their reason, so a new one is a decision someone has to write down.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

ROOT = Path(__file__).resolve().parent.parent
ORDER = [
    "dashboards",
    "evaluations",
    "motivation",
    "messaging",
    "deals",
    "goals",
    "activities",
    "accounts",
    "salesmgmt",
]
RANK = {app: i for i, app in enumerate(ORDER)}

# The composition root wires every app together.
COMPOSITION_ROOT = {"salesmgmt/urls.py", "salesmgmt/settings.py", "salesmgmt/celery.py"}

# (file, imported module): runtime imports against the arrow, each with its reason.
ALLOWED_IMPORTS = {
    # Resolving the request's organisation needs the membership table; imported lazily.
    ("salesmgmt/tenancy.py", "accounts.models"),
    # Working days subtract the organisation's own days off (accounts.DayOff).
    ("salesmgmt/periods.py", "accounts.models"),
}

# (model label, field name): foreign keys against the arrow, each with its reason.
ALLOWED_FOREIGN_KEYS = {
    # An activity may be logged against a deal. The activities app never imports deals
    # code (the import check above holds it): it reads the deal model from this field, and
    # deals reads activities through activities' own selectors.
    ("activities.Activity", "deal"),
}


def _is_type_checking_block(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """Absolute imports outside `if TYPE_CHECKING:` blocks, with their line."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if _is_type_checking_block(node):
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _app_sources() -> list[tuple[str, Path]]:
    sources = []
    for app in ORDER:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            sources.append((app, path))
    return sources


def _violations() -> list[str]:
    problems = []
    for app, path in _app_sources():
        relative = path.relative_to(ROOT).as_posix()
        if relative in COMPOSITION_ROOT:
            continue
        for line, module in _runtime_imports(ast.parse(path.read_text(), filename=relative)):
            target = module.split(".")[0]
            if target not in RANK or target == app or RANK[target] > RANK[app]:
                continue
            if (relative, module) in ALLOWED_IMPORTS:
                continue
            problems.append(f"{relative}:{line} imports {module} (against the arrow)")
    return problems


def test_apps_import_only_the_apps_to_their_right():
    assert _violations() == []


def test_the_check_sees_an_import_against_the_arrow():
    tree = ast.parse(
        "import os\nfrom deals.models import Deal\nif TYPE_CHECKING:\n    import goals\n"
    )
    assert _runtime_imports(tree) == [(1, "os"), (2, "deals.models")]


def test_every_allowed_exception_still_exists():
    """A removed exception is removed from the list too, so the list stays the truth."""
    present = set()
    for _app, path in _app_sources():
        relative = path.relative_to(ROOT).as_posix()
        for _line, module in _runtime_imports(ast.parse(path.read_text())):
            present.add((relative, module))
    assert present >= ALLOWED_IMPORTS


@pytest.mark.parametrize("model", apps.get_models(), ids=lambda m: m._meta.label)
def test_foreign_keys_point_to_the_right(model):
    app = model._meta.app_label
    if app not in RANK:
        return
    for field in model._meta.get_fields():
        if not isinstance(field, models.ForeignKey | models.OneToOneField | models.ManyToManyField):
            continue
        if field.auto_created and not field.concrete:
            continue
        target = field.related_model._meta.app_label
        if target not in RANK or target == app or RANK[target] > RANK[app]:
            continue
        assert (model._meta.label, field.name) in ALLOWED_FOREIGN_KEYS, (
            f"{model._meta.label}.{field.name} points to {target}, against the arrow"
        )
