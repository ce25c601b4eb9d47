"""The OpenAPI schema documents the error answers of every operation, not only success."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def operations() -> dict[tuple[str, str], dict]:
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return {(method.upper(), path): op for path, ops in paths.items() for method, op in ops.items()}


def test_every_operation_documents_bad_input(operations):
    for key, operation in operations.items():
        assert "400" in operation["responses"], key


def test_organisation_operations_document_auth_role_and_tenancy_answers(operations):
    org_operations = [k for k in operations if k[1].startswith("/api/v1/orgs/{org_slug}/")]
    assert len(org_operations) > 50
    for key in org_operations:
        assert {"401", "403", "404"} <= set(operations[key]["responses"]), key


def test_operations_that_read_a_body_document_too_large_and_unsupported(operations):
    for key in [("POST", "/api/v1/orgs/{org_slug}/deals/"), ("PATCH", "/api/v1/orgs/{org_slug}/")]:
        assert {"413", "415"} <= set(operations[key]["responses"]), key
    assert "413" not in operations[("GET", "/api/v1/orgs/{org_slug}/deals/")]["responses"]


def test_particular_answers_are_documented_where_they_happen(operations):
    goal = "/api/v1/orgs/{org_slug}/goals/{goal_id}/"
    assert "409" in operations[("PATCH", goal)]["responses"]
    assert "409" in operations[("POST", goal + "cascade/")]["responses"]
    assert "429" in operations[("POST", "/api/v1/orgs/{org_slug}/activities/")]["responses"]
    assert "429" in operations[("POST", "/api/v1/auth/token/")]["responses"]
    assert "401" not in operations[("POST", "/api/v1/auth/token/")]["responses"]
