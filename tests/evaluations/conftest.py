"""Shared objects of the evaluations tests: the organisation's default criteria."""

from __future__ import annotations

import pytest

from evaluations.services import ensure_default_criteria


@pytest.fixture
def criteria(org, other_org):
    """Both organisations' default criteria (as `createorg` makes them)."""
    ensure_default_criteria(org=org)
    ensure_default_criteria(org=other_org)


def api_url(org, *parts) -> str:
    return "/api/v1/orgs/" + org.slug + "/" + "".join(f"{p}/" for p in parts)
