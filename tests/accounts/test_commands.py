"""The bootstrap commands: `createorg` (idempotent, all-or-nothing) and `seed_demo`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import StringIO
from unittest import mock

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.management.commands.seed_demo import ADMIN_EMAIL, DEMO_PASSWORD
from accounts.models import Membership, Organization, Team, User
from accounts.signals import demo_data_requested
from tests.factories import UserFactory
from tests.otp import enrol, totp_code

pytestmark = pytest.mark.django_db

ADMIN_PASSWORD = "initech-admin-passphrase-1"


def createorg(*extra: str, slug: str = "initech", name: str = "Initech", **options: str) -> str:
    args = ["--slug", slug, "--name", name, "--admin-email", "boss@initech.example"]
    args += ["--admin-password", options.pop("password", ADMIN_PASSWORD)]
    for option, value in options.items():
        args += [f"--{option.replace('_', '-')}", value]
    out = StringIO()
    call_command("createorg", *args, *extra, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "teams": Team.objects.count(),
        "team managers": Team.managers.through.objects.count(),
    }


# --- createorg ----------------------------------------------------------------------------


def test_createorg_creates_the_organisation_and_its_admin():
    out = createorg(timezone="Europe/Berlin", country="DE", currency="EUR")

    assert "Created organisation initech (Initech)" in out
    org = Organization.objects.get(slug="initech")
    assert (org.name, org.timezone, org.country, org.currency) == (
        "Initech",
        "Europe/Berlin",
        "DE",
        "EUR",
    )
    membership = Membership.objects.get(organization=org)
    assert (membership.user.email, membership.role, membership.active) == (
        "boss@initech.example",
        Membership.Role.ADMIN,
        True,
    )
    assert membership.user.check_password(ADMIN_PASSWORD)


def test_createorg_uses_the_product_defaults_when_no_options_are_given():
    createorg()

    org = Organization.objects.get(slug="initech")
    assert (org.timezone, org.week_start, org.fiscal_year_start_month) == ("Asia/Tokyo", 0, 4)


def test_createorg_is_idempotent_on_the_slug():
    createorg()
    before = row_counts()

    out = createorg(name="A Different Name")

    assert "Already present: organisation initech (Initech)" in out
    assert row_counts() == before
    assert Organization.objects.get(slug="initech").name == "Initech"


def test_the_new_admin_gets_an_api_token_once_two_factor_is_set_up_and_sees_the_organisation():
    createorg()
    credentials = {"username": "boss@initech.example", "password": ADMIN_PASSWORD}

    before = APIClient().post("/api/v1/auth/token/", credentials)
    device, _codes = enrol(User.objects.get(email="boss@initech.example"))
    response = APIClient().post("/api/v1/auth/token/", {**credentials, "otp": totp_code(device)})

    assert before.status_code == 403  # an admin must set up two-factor authentication first
    assert response.status_code == 200
    api = APIClient(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = api.get("/api/v1/me/").json()
    assert me["memberships"] == [{"org": "initech", "role": "admin", "team": None}]
    assert api.get("/api/v1/orgs/initech/").json()["name"] == "Initech"


def test_an_existing_account_becomes_the_admin_and_keeps_its_password(password):
    person = UserFactory(email="boss@initech.example")

    createorg(password="a-completely-different-pass-1")

    person.refresh_from_db()
    assert person.check_password(password)
    assert Membership.objects.get(organization__slug="initech").user == person
    assert User.objects.filter(email__iexact="boss@initech.example").count() == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "Unknown time zone"),
        ({"country": "ZZ"}, "Unsupported country"),
        ({"currency": "yen"}, "ISO 4217"),
        ({"password": "123"}, "too short"),
        ({"password": "password"}, "too common"),
        ({"slug": "Not A Slug!"}, "slug"),
    ],
    ids=["bad timezone", "bad country", "bad currency", "short password", "common password",
         "bad slug"],
)  # fmt: skip
def test_bad_input_is_a_command_error_and_creates_nothing(options, message):
    with pytest.raises(CommandError, match=f"(?i){message}"):
        createorg(**options)

    assert row_counts() == {
        "organizations": 0,
        "users": 0,
        "memberships": 0,
        "teams": 0,
        "team managers": 0,
    }


def test_a_bad_admin_email_is_a_command_error_and_creates_nothing():
    with pytest.raises(CommandError):
        call_command(
            "createorg",
            "--slug", "initech", "--name", "Initech",
            "--admin-email", "not-an-email", "--admin-password", ADMIN_PASSWORD,
            stdout=StringIO(),
        )  # fmt: skip

    assert not Organization.objects.exists()
    assert not User.objects.exists()


def test_missing_required_options_are_a_command_error():
    with pytest.raises(CommandError, match="--admin-email"):
        call_command("createorg", "--slug", "initech", "--name", "Initech", stdout=StringIO())


# --- seed_demo ----------------------------------------------------------------------------


@pytest.fixture
def people_only() -> Iterator[None]:
    """Seed only the people: other apps' demo data (sent by signal) are theirs to test."""
    with mock.patch.object(demo_data_requested, "receivers", []):
        yield


@pytest.fixture
def seeded(people_only) -> Organization:
    call_command("seed_demo", stdout=StringIO())
    return Organization.objects.get(slug="demo")


def every_table_count() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_seed_demo_creates_the_demo_organisation_with_its_people(seeded):
    assert seeded.name == "Demo Sales Co."
    roles = Membership.objects.for_org(seeded).values_list("role", flat=True)
    assert sorted(set(roles)) == ["admin", "manager", "member"]
    assert list(roles).count("admin") == 1
    assert list(roles).count("manager") == 2
    assert list(roles).count("member") == 20
    admin = Membership.objects.for_org(seeded).get(role="admin")
    assert admin.user.email == ADMIN_EMAIL
    assert not Membership.objects.for_org(seeded).filter(active=False).exists()


def test_seed_demo_builds_three_teams_one_nested_each_with_a_manager(seeded):
    teams = {t.name: t for t in Team.objects.for_org(seeded)}

    assert set(teams) == {"Tokyo Sales", "Tokyo Enterprise", "Osaka Sales"}
    assert teams["Tokyo Enterprise"].parent == teams["Tokyo Sales"]
    assert teams["Tokyo Sales"].parent is None
    assert teams["Osaka Sales"].parent is None
    for team in teams.values():
        assert team.managers.filter(memberships__role="manager").exists(), team.name
    reps_per_team = {
        name: Membership.objects.filter(team=team, role="member").count()
        for name, team in teams.items()
    }
    assert sum(reps_per_team.values()) == 20
    assert all(count >= 6 for count in reps_per_team.values())


def test_every_demo_person_can_sign_in_with_the_demo_password(seeded):
    lands = {
        "manager1@demo.example": re.compile(r"/o/demo/dashboards/team/\d+/"),
        "rep01@demo.example": re.compile(r"/o/demo/activities/"),
    }
    for email, landing in lands.items():
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": email, "password": DEMO_PASSWORD}, follow=True
        )
        assert landing.fullmatch(response.redirect_chain[-1][0]), email
        assert response.status_code == 200, email


def test_the_demo_admin_sets_up_two_factor_authentication_at_first_sign_in(seeded):
    response = Client().post(
        "/accounts/login/", {"username": ADMIN_EMAIL, "password": DEMO_PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0].startswith("/accounts/mfa/setup/")
    assert "accounts/mfa/setup.html" in [t.name for t in response.templates]


def test_seed_demo_is_idempotent_across_every_app():
    call_command("seed_demo", stdout=StringIO())  # with every app's demo data
    before = every_table_count()

    call_command("seed_demo", stdout=StringIO())

    after = every_table_count()
    assert {label: n for label, n in after.items() if before[label] != n} == {}
    assert Organization.objects.filter(slug="demo").count() == 1


@pytest.mark.usefixtures("people_only")
def test_seed_demo_scales_the_sales_force():
    call_command("seed_demo", "--users", "60", stdout=StringIO())

    org = Organization.objects.get(slug="demo")
    members = Membership.objects.for_org(org)
    assert members.filter(role="member").count() == 60
    teams = Team.objects.for_org(org)
    assert teams.count() > 3
    assert members.filter(role="manager").count() == teams.count() - 1  # Tokyo Enterprise shares
    assert all(t.managers.exists() for t in teams)
    assert max(Membership.objects.filter(team=t, role="member").count() for t in teams) <= 20


def test_seed_demo_can_grow_an_existing_demo(seeded):
    call_command("seed_demo", "--users", "60", stdout=StringIO())

    members = Membership.objects.for_org(seeded)
    assert members.filter(role="member").count() == 60
    assert members.filter(role="admin").count() == 1
    assert Organization.objects.filter(slug="demo").count() == 1


@pytest.mark.usefixtures("people_only")
def test_seed_demo_prints_the_demo_credentials():
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert ADMIN_EMAIL in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue()
    assert "/o/demo/" in out.getvalue()


# --- domains the operator vouches for -----------------------------------------------------


def test_createorg_records_the_domains_the_operator_names_as_verified():
    createorg("--domain", "Initech.example", "--domain", "mail.initech.example")

    org = Organization.objects.get(slug="initech")
    assert sorted(org.domains_verified()) == ["initech.example", "mail.initech.example"]


def test_verifydomain_vouches_for_a_domain_and_refuses_unknown_organisations():
    createorg()
    out = StringIO()

    call_command("verifydomain", "--org", "initech", "--domain", "initech.example", stdout=out)

    assert "initech.example is verified for initech" in out.getvalue()
    assert Organization.objects.get(slug="initech").domains_verified() == ["initech.example"]
    with pytest.raises(CommandError, match="No organisation"):
        call_command("verifydomain", "--org", "nope", "--domain", "x.example")
    with pytest.raises(CommandError, match="valid domain"):
        call_command("verifydomain", "--org", "initech", "--domain", "not a domain")


def test_the_demo_owns_its_domain_so_its_admin_can_give_new_people_a_password(seeded):
    assert seeded.domains_verified() == ["demo.example"]
