"""The OpenAPI schema describes every activities endpoint with its parameters and bodies."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

PREFIX = "/api/v1/orgs/{org_slug}/"


@pytest.fixture(scope="module")
def schema() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(generated)
    return generated


def _operation(schema: dict, path: str, method: str) -> dict:
    return schema["paths"][PREFIX + path][method]


def _parameters(operation: dict) -> set[str]:
    return {p["name"] for p in operation.get("parameters", [])}


def test_every_activities_operation_is_in_the_schema(schema):
    expected = {
        "activity-types/": {"get", "post"},
        "activity-types/{type_id}/": {"get", "patch"},
        "activities/": {"get", "post"},
        "activities/{activity_id}/": {"get", "patch", "delete"},
        "activities/import/": {"post"},
        "activities/export/": {"get"},
        "stats/activity/": {"get"},
        "stats/funnel/": {"get"},
    }
    for path, methods in expected.items():
        assert set(schema["paths"][PREFIX + path]) - {"parameters"} == methods, path


def test_query_parameters_are_documented(schema):
    filters = {"user", "team", "type", "from", "to"}
    assert filters <= _parameters(_operation(schema, "activities/", "get"))
    assert filters <= _parameters(_operation(schema, "activities/export/", "get"))
    stats = _operation(schema, "stats/activity/", "get")
    assert {"scope", "id", "grain", "from", "to", "type"} <= _parameters(stats)
    assert {"team", "from", "to"} <= _parameters(_operation(schema, "stats/funnel/", "get"))


def test_bodies_and_responses_have_their_shapes(schema):
    components = schema["components"]["schemas"]
    activity = components["Activity"]["properties"]
    assert {"id", "user", "team", "type", "local_date", "location", "follow_up"} <= set(activity)
    post = _operation(schema, "activities/", "post")
    body = post["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    writable = set(components[body]["properties"])
    assert not writable & {"team", "local_date", "organization", "created_by", "id"}
    upload = _operation(schema, "activities/import/", "post")["requestBody"]["content"]
    assert {"multipart/form-data", "text/csv"} <= set(upload)
    export = _operation(schema, "activities/export/", "get")["responses"]["200"]["content"]
    assert "text/csv" in export
    funnel = components["ActivityFunnelMember"]["properties"]
    assert {"user", "stages", "bottleneck", "bottleneck_text"} <= set(funnel)
