"""S3: who may do what on every org page and endpoint -- one explicit row per (route, method).

Each cell of MATRIX is one test. A row names the URL name, the HTTP method and the status
every actor must get; REQUESTS gives the payload (and, where needed, other objects to act
on) so that allowed writes really succeed. Meta-tests fail when an org page or API
operation has no row (deny by default) or a row names something that no longer exists.

Actors (tests/routes.py `Cast`): `anonymous`; `deactivated` (acme membership inactive);
`member`; `manager_own` (`manager`, who leads the object's team); `manager_other`
(`other_manager`, who leads another team); `admin`; `staff` (a superuser outside acme).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import resolve_url

from accounts import services
from tests import routes
from tests.routes import Cast, Kind

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "deactivated", "member", "manager_own", "manager_other", "admin", "staff")

LOGIN = "login"  # a redirect to the sign-in page (pages, anonymous)
OK, CREATED, NO_CONTENT, FOUND = 200, 201, 204, 302  # FOUND: a page's redirect after a POST
L, N = LOGIN, 404  # short names for the columns every org route shares

# fmt: off
MATRIX: dict[tuple[str, str], tuple[int | str, ...]] = {
    # (URL name, method):                       anon  deact member m_own m_oth admin staff
    # --- pages -------------------------------------------------------------------------
    ("accounts:org_home", "GET"):               (L,   N,   OK,   OK,   OK,   OK,   N),
    ("accounts:org_settings", "GET"):           (L,   N,   403,  403,  403,  OK,   N),
    ("accounts:org_settings", "POST"):          (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:team_list", "GET"):              (L,   N,   OK,   OK,   OK,   OK,   N),
    ("accounts:team_list", "POST"):             (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:team_detail", "GET"):            (L,   N,   OK,   OK,   OK,   OK,   N),
    ("accounts:team_detail", "POST"):           (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:team_delete", "POST"):           (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:member_list", "GET"):            (L,   N,   OK,   OK,   OK,   OK,   N),
    ("accounts:member_add", "GET"):             (L,   N,   403,  403,  403,  OK,   N),
    ("accounts:member_add", "POST"):            (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:member_detail", "GET"):          (L,   N,   OK,   OK,   OK,   OK,   N),
    ("accounts:member_detail", "POST"):         (L,   N,   403,  403,  403,  FOUND, N),
    ("accounts:member_resend_invitation", "POST"): (L, N,  403,  403,  403,  FOUND, N),
    # --- API (/api/v1/orgs/<org_slug>/...) ----------------------------------------------
    ("api:organization", "GET"):                (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:organization", "PATCH"):              (401, N,   403,  403,  403,  OK,   N),
    ("api:team-list", "GET"):                   (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:team-list", "POST"):                  (401, N,   403,  403,  403,  CREATED, N),
    ("api:team-detail", "GET"):                 (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:team-detail", "PUT"):                 (401, N,   403,  403,  403,  OK,   N),
    ("api:team-detail", "PATCH"):               (401, N,   403,  403,  403,  OK,   N),
    ("api:team-detail", "DELETE"):              (401, N,   403,  403,  403,  NO_CONTENT, N),
    ("api:member-list", "GET"):                 (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:member-list", "POST"):                (401, N,   403,  403,  403,  CREATED, N),
    ("api:member-detail", "GET"):               (401, N,   OK,   OK,   OK,   OK,   N),
    ("api:member-detail", "PATCH"):             (401, N,   403,  403,  403,  OK,   N),
}
# fmt: on


@dataclass(frozen=True)
class Call:
    """What to send for a row: a payload and, optionally, other objects for URL kwargs."""

    data: Callable[[Cast], dict[str, Any]] = lambda cast: {}
    objects: dict[str, Callable[[Cast], Any]] = field(default_factory=dict)


NEW_PASSWORD = "Vq7-maple-orbit-42"


def _invitee(cast: Cast) -> int:
    """Someone invited into `team` who has not joined yet."""
    invited = services.add_member(actor=cast.admin, email="invitee@example.com", team=cast.team)
    return invited.membership.user_id


def _new_member(cast: Cast) -> dict[str, Any]:
    return {
        "email": "newbie@example.com",
        "name": "Newbie",
        "role": "member",
        "team": cast.team.pk,
        "password": NEW_PASSWORD,
    }


def _org_settings(cast: Cast) -> dict[str, Any]:
    org = cast.org
    return {
        "name": "Acme KK",
        "timezone": org.timezone,
        "week_start": org.week_start,
        "fiscal_year_start_month": org.fiscal_year_start_month,
        "country": org.country,
        "currency": org.currency,
    }


# (URL name, method) -> Call. Rows not listed here send no payload and use OBJECT_KWARGS.
REQUESTS: dict[tuple[str, str], Call] = {
    ("accounts:org_settings", "POST"): Call(_org_settings),
    ("accounts:team_list", "POST"): Call(lambda c: {"name": "Kyoto", "parent": c.team.pk}),
    ("accounts:team_detail", "POST"): Call(
        lambda c: {"name": "Tokyo HQ", "parent": "", "managers": [c.manager.user_id]}
    ),
    # An empty team (manager leads it through `team`): deleting it is allowed for admins.
    ("accounts:team_delete", "POST"): Call(objects={"team_id": lambda c: c.sub_team.pk}),
    ("accounts:member_add", "POST"): Call(_new_member),
    ("accounts:member_detail", "POST"): Call(
        lambda c: {"role": "manager", "team": c.team.pk, "active": "on"}
    ),
    ("accounts:member_resend_invitation", "POST"): Call(objects={"user_id": _invitee}),
    ("api:organization", "PATCH"): Call(lambda c: {"name": "Acme KK"}),
    ("api:team-list", "POST"): Call(lambda c: {"name": "Kyoto", "parent": c.team.pk}),
    ("api:team-detail", "PUT"): Call(
        lambda c: {"name": "Tokyo HQ", "parent": None, "managers": [c.manager.user_id]}
    ),
    ("api:team-detail", "PATCH"): Call(lambda c: {"name": "Tokyo HQ"}),
    ("api:team-detail", "DELETE"): Call(objects={"team_id": lambda c: c.sub_team.pk}),
    ("api:member-list", "POST"): Call(_new_member),
    ("api:member-detail", "PATCH"): Call(lambda c: {"role": "manager"}),
}

# Models whose rows may change on a refused request: the append-only audit trail records
# denied access (QUALITY S16), so it is not "the database changed".
IGNORED_MODELS: set[str] = {"accounts.AuditEvent"}

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
PROBED_PAGE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def cast(request: pytest.FixtureRequest) -> Cast:
    return Cast.from_request(request)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Rate-limit counters live in the cache; every cell must see a fresh budget."""
    cache.clear()


def _actor(cast: Cast, actor: str) -> Any:
    """The membership (or membership-like) the client fixtures sign in as; None = anonymous."""
    return {
        "anonymous": None,
        "deactivated": cast.deactivated,
        "member": cast.member,
        "manager_own": cast.manager,
        "manager_other": cast.other_manager,
        "admin": cast.admin,
        "staff": SimpleNamespace(user=cast.staff),
    }[actor]


def _project_models() -> list[Any]:
    base = str(settings.BASE_DIR)
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_config.path.startswith(base)
        and "site-packages" not in model._meta.app_config.path
        and model._meta.label not in IGNORED_MODELS
    ]


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of the project's own models (small: the test cast)."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in _project_models()
    }


def _url_for(route: routes.Route, cast: Cast, call: Call) -> str:
    overrides = {kwarg: build(cast) for kwarg, build in call.objects.items()}
    return route.url(cast, overrides=overrides)


def _default_call(name: str, method: str) -> Call:
    """No REQUESTS entry: a GET sends the route's QUERY_PARAMS (tests/routes.py), if any."""
    if method == "GET" and name in routes.QUERY_PARAMS:
        return Call(routes.QUERY_PARAMS[name])
    return Call()


CELLS = [
    (name, method, actor, expected)
    for (name, method), row in MATRIX.items()
    for actor, expected in zip(ACTORS, row, strict=False)
]


@pytest.mark.parametrize(
    ("name", "method", "actor", "expected"),
    CELLS,
    ids=[f"{name}-{method}-{actor}" for name, method, actor, _ in CELLS],
)
def test_each_actor_gets_exactly_the_status_the_matrix_names(
    name, method, actor, expected, cast, client_for, api_for
):
    route = routes.route_named(name)
    assert route is not None, f"MATRIX row for {name} names no route"
    call = REQUESTS.get((name, method)) or _default_call(name, method)
    url = _url_for(route, cast, call)
    data = call.data(cast)
    who = _actor(cast, actor)
    client = api_for(who) if route.kind is Kind.ORG_API else client_for(who)
    before = _snapshot()

    response = routes.send(client, route, method, url, data)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next=")
    else:
        assert response.status_code == expected, routes.text(response)[:500]
    if response.status_code >= 300 and expected != FOUND:
        assert _snapshot() == before, "a refused request changed the database"
    elif method in WRITE_METHODS:
        assert _snapshot() != before, "an allowed write changed nothing: fix its REQUESTS payload"


# --- the matrix covers every route and operation ----------------------------------------


def test_every_matrix_row_names_a_status_for_every_actor():
    short = [key for key, row in MATRIX.items() if len(row) != len(ACTORS)]
    assert not short, f"these rows need one status per actor {ACTORS}: {short}"


def test_every_matrix_row_and_request_names_an_org_route():
    org_names = {r.name for r in routes.routes_of(Kind.ORG_PAGE, Kind.ORG_API)}
    stale = sorted({name for name, _ in (*MATRIX, *REQUESTS)} - org_names)
    assert not stale, f"remove these stale rows from MATRIX/REQUESTS: {stale}"
    assert set(REQUESTS) <= set(MATRIX), "every REQUESTS entry needs its MATRIX row"


def test_every_api_operation_in_the_openapi_schema_has_a_matrix_row():
    operations = {
        (route.name, method)
        for path, method in routes.schema_operations()
        if (route := routes.route_for_schema_path(path)) is not None and route.kind is Kind.ORG_API
    }
    missing = sorted(operations - set(MATRIX))
    assert not missing, (
        "add a MATRIX row (status per actor) in tests/test_role_matrix.py for: "
        + ", ".join(f"{name} {method}" for name, method in missing)
    )
    api_rows = {key for key in MATRIX if routes.route_named(key[0]).kind is Kind.ORG_API}
    stale = sorted(api_rows - operations)
    assert not stale, f"these MATRIX rows are not operations of the OpenAPI schema: {stale}"


PAGE_ROUTES = [r for r in routes.routes_of(Kind.ORG_PAGE) if "format" not in r.kwargs and r.name]


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=[r.label for r in PAGE_ROUTES])
def test_every_method_a_page_accepts_has_a_matrix_row(route, cast, client_for):
    client = client_for(cast.admin)
    accepted = set()
    for method in PROBED_PAGE_METHODS:
        with transaction.atomic():
            response = routes.send(client, route, method, route.url(cast))
            transaction.set_rollback(True)
        if response.status_code != 405:
            accepted.add(method)
    rows = {method for name, method in MATRIX if name == route.name}
    missing = sorted(accepted - rows)
    assert not missing, (
        f"add MATRIX rows (status per actor) in tests/test_role_matrix.py for {route.name} "
        f"{missing}"
    )
    stale = sorted(rows - accepted)
    assert not stale, f"{route.name} answers 405 to {stale}: remove those MATRIX rows"
