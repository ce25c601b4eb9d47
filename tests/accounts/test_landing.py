"""Signing in lands each role where they work: members on My day, managers on their team
dashboard, admins on the organisation overview; an explicit `?next=` still wins."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import selectors
from accounts.models import Membership
from tests.factories import MembershipFactory
from tests.otp import enrol, totp_code

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def sign_in(membership: Membership, password: str, next_url: str = "") -> Client:
    """Post the sign-in form (and the code page, for whoever must pass a second factor)
    like a browser, following every redirect; the client's last response is kept on it."""
    client = Client()
    url = f"{LOGIN}?next={next_url}" if next_url else LOGIN
    data = {"username": membership.user.username, "password": password}
    response = client.post(url, data, follow=True)
    if "accounts/mfa/verify.html" in [t.name for t in response.templates]:
        device = membership.user.totpdevice_set.get(confirmed=True)
        verify_url = response.redirect_chain[-1][0]
        response = client.post(
            verify_url, {"otp": totp_code(device), "next": response.context["next"]}, follow=True
        )
    client.final = response  # type: ignore[attr-defined]
    return client


def landed(membership: Membership, password: str, next_url: str = "") -> str:
    response = sign_in(membership, password, next_url).final  # type: ignore[attr-defined]
    assert response.status_code == 200
    return str(response.redirect_chain[-1][0])


def test_a_member_lands_on_my_day(member, password):
    assert landed(member, password) == "/o/acme/activities/"


def test_a_manager_lands_on_the_dashboard_of_their_team(manager, team, password):
    assert landed(manager, password) == f"/o/acme/dashboards/team/{team.pk}/"


def test_a_manager_without_a_team_lands_on_my_day(org, password):
    loner = MembershipFactory(organization=org, role=Membership.Role.MANAGER, team=None)

    assert landed(loner, password) == "/o/acme/activities/"


def test_an_admin_lands_on_the_organisation_overview(admin, password):
    enrol(admin.user)

    assert landed(admin, password) == "/o/acme/dashboards/"


def test_an_explicit_next_address_still_wins(manager, team, password):
    assert landed(manager, password, next_url="/o/acme/teams/") == "/o/acme/teams/"


def test_the_admin_code_page_keeps_the_next_address(admin, password):
    enrol(admin.user)

    assert landed(admin, password, next_url="/o/acme/members/") == "/o/acme/members/"


def test_the_landing_rule_names_each_role(org, admin, manager, member):
    loner = MembershipFactory(organization=org, role=Membership.Role.MANAGER, team=None)

    assert selectors.landing_url(admin) == "/o/acme/dashboards/"
    assert selectors.landing_url(manager) == "/o/acme/dashboards/team/"
    assert selectors.landing_url(member) == "/o/acme/activities/"
    assert selectors.landing_url(loner) == "/o/acme/activities/"


def test_the_organisation_home_stays_one_click_away_from_the_brand(client_for, manager):
    page = client_for(manager).get("/o/acme/dashboards/team/")
    follow = client_for(manager).get(page["Location"])

    assert 'class="navbar-brand" href="/o/acme/"' in follow.content.decode()
    assert client_for(manager).get("/o/acme/").status_code == 200
