"""S1: no route shows one organisation's data to another (every route, found in the URLconf).

Routes come from tests/routes.py, so a page or endpoint added later is covered without a
new test; a route these tests cannot classify, or a URL kwarg without a builder, fails.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.shortcuts import resolve_url

from tests import routes
from tests.routes import Cast, Kind, Route

pytestmark = pytest.mark.django_db

ORG_ROUTE_METHODS = routes.org_route_methods()
OBJECT_ROUTE_METHODS = [(r, m) for r, m in ORG_ROUTE_METHODS if r.object_kwargs]
API_LIST_ROUTES = [r for r in routes.routes_of(Kind.ORG_API) if not r.object_kwargs]
PAGE_LIST_ROUTES = [r for r in routes.routes_of(Kind.ORG_PAGE) if not r.object_kwargs]
ADMIN_ROUTES = routes.routes_of(Kind.ADMIN)
ORG_API_SCHEMA_PREFIX = "/api/v1/orgs/{org_slug}/"


def _ids(pairs: list[tuple[Route, str]]) -> list[str]:
    return [f"{route.label}-{method}" for route, method in pairs]


@pytest.fixture
def cast(request: pytest.FixtureRequest) -> Cast:
    return Cast.from_request(request)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Rate-limit counters live in the cache; these tests send many requests per user id."""
    cache.clear()


def _client(route: Route, who: Any, client_for: Any, api_for: Any) -> Any:
    return api_for(who) if route.kind is Kind.ORG_API else client_for(who)


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _results(payload: Any) -> list[Any]:
    if isinstance(payload, dict) and isinstance(payload.get("results"), list):
        return payload["results"]
    return payload if isinstance(payload, list) else []


# --- classification: deny by default ----------------------------------------------------


def test_every_route_is_an_org_page_an_org_endpoint_the_admin_or_allowlisted():
    unclassified = routes.routes_of(Kind.UNCLASSIFIED)
    assert not unclassified, (
        "Routes outside /o/<org_slug>/ and /api/v1/orgs/<org_slug>/ must be added to "
        "GLOBAL_ROUTES in tests/routes.py with a reason (or moved under an organisation): "
        + ", ".join(f"{r.label} ({r.pattern})" for r in unclassified)
    )


def test_every_allowlisted_global_route_still_exists():
    names = {r.name for r in routes.discover_routes()}
    stale = sorted(set(routes.GLOBAL_ROUTES) - names)
    assert not stale, f"remove these from GLOBAL_ROUTES in tests/routes.py: {stale}"


def test_every_org_route_has_a_name():
    unnamed = [r.pattern for r in routes.routes_of(Kind.ORG_PAGE, Kind.ORG_API) if not r.name]
    assert not unnamed, f"give these org routes a URL name (the role matrix uses it): {unnamed}"


def test_every_url_kwarg_of_an_org_route_has_a_builder():
    missing = {
        f"add a builder for {kwarg} in tests/routes.py (used by {route.label})"
        for route in routes.routes_of(Kind.ORG_PAGE, Kind.ORG_API)
        for kwarg in route.object_kwargs
        if kwarg not in routes.OBJECT_KWARGS
    }
    assert not missing, "\n".join(sorted(missing))


def test_the_walk_found_the_known_org_routes():
    labels = {r.label for r in routes.routes_of(Kind.ORG_PAGE, Kind.ORG_API)}
    assert {"accounts:org_home", "accounts:team_detail", "api:team-detail"} <= labels


# --- another organisation's slug ---------------------------------------------------------


@pytest.mark.parametrize(("route", "method"), ORG_ROUTE_METHODS, ids=_ids(ORG_ROUTE_METHODS))
def test_outsider_gets_the_same_404_for_another_orgs_slug_as_for_a_missing_slug(
    route, method, cast, client_for, api_for
):
    client = _client(route, cast.outsider, client_for, api_for)
    foreign = routes.send(client, route, method, route.url(cast))
    missing = routes.send(client, route, method, route.url(cast, org_slug=routes.MISSING_SLUG))
    assert foreign.status_code == 404
    assert missing.status_code == 404
    assert routes.body(foreign) == routes.body(missing)


@pytest.mark.parametrize(("route", "method"), OBJECT_ROUTE_METHODS, ids=_ids(OBJECT_ROUTE_METHODS))
def test_outsider_gets_the_same_404_for_another_orgs_ids_in_its_own_org_as_for_missing_ids(
    route, method, cast, client_for, api_for
):
    client = _client(route, cast.outsider, client_for, api_for)
    own_slug = cast.other_org.slug
    foreign = routes.send(client, route, method, route.url(cast, org_slug=own_slug))
    missing = routes.send(client, route, method, route.url(cast, org_slug=own_slug, missing=True))
    # 405 only where the route does not take the method at all (same for any id).
    assert foreign.status_code in (404, 405)
    assert foreign.status_code == missing.status_code
    assert routes.body(foreign) == routes.body(missing)


@pytest.mark.parametrize(("route", "method"), ORG_ROUTE_METHODS, ids=_ids(ORG_ROUTE_METHODS))
def test_deactivated_member_gets_the_404_of_a_missing_org(route, method, cast, client_for, api_for):
    client = _client(route, cast.deactivated, client_for, api_for)
    response = routes.send(client, route, method, route.url(cast))
    missing = routes.send(client, route, method, route.url(cast, org_slug=routes.MISSING_SLUG))
    assert response.status_code == 404
    assert routes.body(response) == routes.body(missing)


@pytest.mark.parametrize(("route", "method"), ORG_ROUTE_METHODS, ids=_ids(ORG_ROUTE_METHODS))
def test_anonymous_is_sent_to_sign_in_or_refused(route, method, cast, client_for, api_for):
    client = _client(route, None, client_for, api_for)
    response = routes.send(client, route, method, route.url(cast))
    if route.kind is Kind.ORG_API:
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next=")


# --- lists in one's own organisation ----------------------------------------------------


def _detail_kwarg(list_route: Route) -> str | None:
    """The object kwarg of the list's detail route (`teams/` -> `teams/<team_id>/`)."""
    stem = list_route.regex.removesuffix("\\Z").removesuffix("$")
    for route in routes.routes_of(Kind.ORG_API):
        rest = route.regex.removeprefix(stem) if route.regex.startswith(stem) else ""
        one_more = re.fullmatch(r"\(\?P<(\w+)>[^()]*\)/(\$|\\Z)", rest)
        if one_more:
            return one_more.group(1)
    return None


def test_list_routes_are_paired_with_their_detail_kwarg():
    assert _detail_kwarg(routes.route_named("api:team-list")) == "team_id"
    assert _detail_kwarg(routes.route_named("api:member-list")) == "user_id"
    assert _detail_kwarg(routes.route_named("api:organization")) is None


def _get_list_as_outsider(route: Route, cast: Cast, client: Any) -> Any:
    """GET the route in the outsider's own org, after acme got one of every object."""
    cast.build_all()
    query = routes.QUERY_PARAMS.get(route.name, lambda c: {})(cast)
    response = client.get(route.url(cast, org_slug=cast.other_org.slug), query)
    if response.status_code == 302:  # e.g. "my team's dashboard" picks one of the own teams
        location = response["Location"]
        assert location.startswith(f"/o/{cast.other_org.slug}/"), "A redirect must stay in the org"
        response = client.get(location)
    if response.status_code == 405:
        pytest.skip(f"{route.label} takes no GET")
    if route.name not in routes.QUERY_PARAMS:
        assert response.status_code != 400, (
            f"{route.label} needs a query: add it to QUERY_PARAMS in tests/routes.py "
            f"({response.content[:200]!r})"
        )
    # Refusing acme's ids (400/404) shows nothing; a 200 must show none of acme's rows.
    assert response.status_code in (200, 400, 404), response.content[:500]
    return response


@pytest.mark.parametrize("route", API_LIST_ROUTES, ids=[r.label for r in API_LIST_ROUTES])
def test_api_lists_in_the_outsiders_own_org_never_show_another_orgs_rows(route, cast, api_for):
    response = _get_list_as_outsider(route, cast, api_for(cast.outsider))
    payload = routes.body(response)
    if isinstance(payload, str):  # CSV and other text
        assert not {m for m in cast.acme_text_markers() if m in payload}
        return
    leaked = cast.acme_markers() & {leaf for leaf in _leaves(payload) if isinstance(leaf, str)}
    assert not leaked
    kwarg = _detail_kwarg(route)
    if kwarg is not None:
        acme_id = cast.object_value(kwarg, route)
        ids = [row.get("id") for row in _results(payload) if isinstance(row, dict)]
        assert acme_id not in ids


@pytest.mark.parametrize("route", PAGE_LIST_ROUTES, ids=[r.label for r in PAGE_LIST_ROUTES])
def test_pages_in_the_outsiders_own_org_never_show_another_orgs_rows(route, cast, client_for):
    response = _get_list_as_outsider(route, cast, client_for(cast.outsider))
    text = routes.text(response)
    assert not {marker for marker in cast.acme_text_markers() if marker in text}


# --- the OpenAPI schema covers the API, and the walk covers the schema -------------------


def test_every_org_operation_in_the_openapi_schema_is_a_discovered_org_route():
    strays = [
        f"{method} {path}"
        for path, method in routes.schema_operations()
        if path.startswith(ORG_API_SCHEMA_PREFIX)
        and getattr(routes.route_for_schema_path(path), "kind", None) is not Kind.ORG_API
    ]
    assert not strays, f"schema operations no discovered org route serves: {strays}"


def test_every_non_org_path_in_the_openapi_schema_is_allowlisted():
    strays = []
    for path, method in routes.schema_operations():
        if path.startswith(ORG_API_SCHEMA_PREFIX):
            continue
        route = routes.route_for_schema_path(path)
        if route is None or route.kind is not Kind.GLOBAL:
            strays.append(f"{method} {path}")
    assert not strays, f"add these to GLOBAL_ROUTES in tests/routes.py or move them: {strays}"


def test_every_org_endpoint_is_described_in_the_openapi_schema():
    described = {routes.route_for_schema_path(path) for path, _ in routes.schema_operations()}
    undocumented = [
        r.label
        for r in routes.routes_of(Kind.ORG_API)
        if "format" not in r.kwargs and r not in described
    ]
    assert not undocumented, f"org endpoints missing from the OpenAPI schema: {undocumented}"


def test_schema_and_docs_pages_answer_200(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/orgs/{org_slug}/" in schema.content
    assert client.get("/api/v1/docs/").status_code == 200


# --- the Django admin: staff only --------------------------------------------------------


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=[r.label for r in ADMIN_ROUTES])
def test_admin_sends_a_non_staff_user_to_the_admin_login_and_shows_no_data(route, cast, client_for):
    url = route.url(cast, overrides={"object_id": cast.member.pk, "id": cast.member.user_id})
    response = client_for(cast.admin).get(url, follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == resolve_url("admin:login")
    html = response.content.decode()
    for marker in (cast.member.user.email, cast.org.name, cast.other_org.name, cast.team.name):
        assert marker not in html


def test_admin_lets_a_superuser_in(cast, client_for):
    from types import SimpleNamespace

    response = client_for(SimpleNamespace(user=cast.staff)).get("/admin/accounts/team/")
    assert response.status_code == 200
    assert cast.team.name in response.content.decode()
