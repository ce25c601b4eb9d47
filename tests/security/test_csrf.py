"""S10: every state-changing request made with the session needs the CSRF token.

Pages (plain forms and htmx) and the session-authenticated API refuse a POST/PATCH/DELETE
without it (403, nothing written); the token API needs no CSRF token but only accepts the
token in the `Authorization` header.
"""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from knox.models import AuthToken

from accounts.models import Invitation, Membership, Organization, Team
from accounts.rules import must_use_mfa
from tests.conftest import pass_second_factor

pytestmark = pytest.mark.django_db

HX_HEADERS = re.compile(r"hx-headers='([^']*)'")


@pytest.fixture
def strict_client_for():
    """A browser-like client signed in as the membership's user that enforces CSRF checks."""

    def make(membership: Membership) -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(membership.user, backend="accounts.backends.UsernameOrEmailBackend")
        if must_use_mfa(membership.user):
            pass_second_factor(client, membership.user)
        return client

    return make


def csrf_cookie(client: Client, page: str = "/o/acme/") -> str:
    """Load a page (as a browser would before posting) and return the CSRF cookie's value."""
    assert client.get(page).status_code == 200
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def org_state(org: Organization) -> tuple:
    """Everything an admin form or the API could change, to compare before and after."""
    return (
        list(Team.objects.for_org(org).order_by("id").values_list("id", "name", "parent_id")),
        sorted(Team.managers.through.objects.values_list("team_id", "user_id")),
        list(
            Membership.objects.for_org(org)
            .order_by("id")
            .values_list("id", "role", "team_id", "active")
        ),
        Organization.objects.filter(pk=org.pk).values_list("name", "timezone").get(),
        Invitation.objects.count(),
    )


# --- page forms ---------------------------------------------------------------------------


def form_posts(team: Team, sub_team: Team, member: Membership) -> dict[str, tuple[str, dict]]:
    return {
        "create a team": ("/o/acme/teams/", {"name": "Rogue"}),
        "rename a team": (f"/o/acme/teams/{team.pk}/", {"name": "Renamed"}),
        "delete a team": (f"/o/acme/teams/{sub_team.pk}/delete/", {}),
        "add a member": (
            "/o/acme/members/new/",
            {"email": "rogue@example.com", "role": "admin"},
        ),
        "promote a member": (
            f"/o/acme/members/{member.user_id}/",
            {"role": "admin", "team": member.team_id, "active": "on"},
        ),
        "change settings": (
            "/o/acme/settings/",
            {
                "name": "Pwned",
                "timezone": "UTC",
                "week_start": 0,
                "fiscal_year_start_month": 4,
                "country": "JP",
                "currency": "JPY",
                "stale_deal_days": 14,
                "language": "en",
            },
        ),
    }


FORMS = [
    "create a team",
    "rename a team",
    "delete a team",
    "add a member",
    "promote a member",
    "change settings",
]


@pytest.mark.parametrize("form", FORMS)
def test_admin_form_post_without_the_csrf_token_is_refused_and_changes_nothing(
    strict_client_for, org, admin, team, sub_team, member, form
):
    url, data = form_posts(team, sub_team, member)[form]
    client = strict_client_for(admin)
    before = org_state(org)

    response = client.post(url, data)

    assert response.status_code == 403
    assert org_state(org) == before


@pytest.mark.parametrize("form", FORMS)
def test_admin_form_post_with_the_csrf_token_goes_through(
    strict_client_for, org, admin, team, sub_team, member, form
):
    url, data = form_posts(team, sub_team, member)[form]
    client = strict_client_for(admin)
    token = csrf_cookie(client)
    before = org_state(org)

    response = client.post(url, {**data, "csrfmiddlewaretoken": token})

    assert response.status_code == 302, response.content
    assert org_state(org) != before


def test_logout_without_the_csrf_token_does_not_sign_you_out(strict_client_for, member):
    client = strict_client_for(member)

    assert client.post("/accounts/logout/").status_code == 403
    assert client.get("/o/acme/").status_code == 200


def test_htmx_post_without_the_token_is_refused(strict_client_for, org, admin):
    client = strict_client_for(admin)
    csrf_cookie(client, "/o/acme/teams/")

    response = client.post("/o/acme/teams/", {"name": "Rogue"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 403
    assert not Team.objects.for_org(org).filter(name="Rogue").exists()


def test_htmx_post_with_the_header_token_from_the_page_goes_through(strict_client_for, org, admin):
    client = strict_client_for(admin)
    page = client.get("/o/acme/teams/").content.decode()
    # What htmx sends: the X-CSRFToken header that base.html declares in hx-headers.
    headers = json.loads(HX_HEADERS.search(page).group(1))

    response = client.post(
        "/o/acme/teams/",
        {"name": "Nagoya"},
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=headers["X-CSRFToken"],
    )

    assert response.status_code == 200
    assert "Nagoya" in response.content.decode()
    assert Team.objects.for_org(org).filter(name="Nagoya").exists()


# --- the API with a session ---------------------------------------------------------------


def api_writes(team: Team, sub_team: Team) -> dict[str, tuple[str, str, dict]]:
    return {
        "POST": ("post", "/api/v1/orgs/acme/teams/", {"name": "Rogue"}),
        "PATCH": ("patch", f"/api/v1/orgs/acme/teams/{team.pk}/", {"name": "Renamed"}),
        "DELETE": ("delete", f"/api/v1/orgs/acme/teams/{sub_team.pk}/", {}),
    }


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_session_api_write_without_the_csrf_token_is_refused(
    strict_client_for, org, admin, team, sub_team, method
):
    verb, url, data = api_writes(team, sub_team)[method]
    client = strict_client_for(admin)
    csrf_cookie(client)  # the cookie alone is not enough: the header must carry it too
    before = org_state(org)

    response = getattr(client, verb)(url, data, content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert org_state(org) == before


@pytest.mark.parametrize(("method", "expected"), [("POST", 201), ("PATCH", 200), ("DELETE", 204)])
def test_session_api_write_with_the_csrf_header_goes_through(
    strict_client_for, org, admin, team, sub_team, method, expected
):
    verb, url, data = api_writes(team, sub_team)[method]
    client = strict_client_for(admin)
    token = csrf_cookie(client)
    before = org_state(org)

    response = getattr(client, verb)(
        url, data, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == expected, response.content
    assert org_state(org) != before


# --- the API with a token -----------------------------------------------------------------


@pytest.fixture
def admin_token(admin) -> str:
    _instance, token = AuthToken.objects.create(user=admin.user)
    return token


def test_token_api_writes_need_no_csrf_token(org, admin_token, team, sub_team):
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {admin_token}")

    created = client.post(
        "/api/v1/orgs/acme/teams/", {"name": "Sapporo"}, content_type="application/json"
    )
    renamed = client.patch(
        f"/api/v1/orgs/acme/teams/{team.pk}/", {"name": "Tokyo HQ"}, content_type="application/json"
    )
    deleted = client.delete(f"/api/v1/orgs/acme/teams/{sub_team.pk}/")

    assert (created.status_code, renamed.status_code, deleted.status_code) == (201, 200, 204)


@pytest.mark.parametrize("carrier", ["query string", "cookie", "body field", "bare header"])
def test_a_token_sent_any_other_way_does_not_authenticate(org, admin_token, carrier):
    client = Client(enforce_csrf_checks=True)
    url, body, extra = "/api/v1/orgs/acme/teams/", {"name": "Rogue"}, {}
    if carrier == "query string":
        url += f"?token={admin_token}"
    elif carrier == "cookie":
        for name in ("token", "auth_token", "Authorization"):
            client.cookies[name] = admin_token
    elif carrier == "body field":
        body["token"] = admin_token
    else:  # the key without the "Token" keyword
        extra["HTTP_AUTHORIZATION"] = admin_token

    response = client.post(url, body, content_type="application/json", **extra)

    assert response.status_code == 401
    assert not Team.objects.for_org(org).filter(name="Rogue").exists()
