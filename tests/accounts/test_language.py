"""Each person reads the product in their own language; visitors in their browser's.

The language saved on the profile wins over the browser's once signed in, for pages and for
API calls made with a token; an organisation chooses the language its new members start in.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Membership, Organization, User

pytestmark = pytest.mark.django_db


def _lang(response) -> str:
    return response["Content-Language"]


def test_a_visitor_gets_the_browser_s_language(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5")

    assert _lang(response) == "ja"
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert "パスワード" in html  # Django's own catalogue: the password field's label


def test_a_signed_in_person_s_saved_language_wins_over_the_browser(client_for, member):
    member.user.locale = "ja"
    member.user.save(update_fields=["locale"])
    client = client_for(member)

    response = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="en")

    assert _lang(response) == "ja"
    assert '<html lang="ja">' in response.content.decode()


def test_english_stays_when_that_is_what_the_person_chose(client_for, member):
    client = client_for(member)  # locale "en", the default

    response = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="ja")

    assert _lang(response) == "en"


def test_changing_the_language_on_the_profile_applies_to_the_next_page(client_for, member):
    client = client_for(member)

    response = client.post("/accounts/profile/", {"name": "Sam", "locale": "ja"})

    assert response.status_code in (200, 302)
    assert _lang(client.get("/accounts/profile/")) == "ja"


def test_a_token_call_answers_in_the_token_owner_s_language_errors_included(member):
    member.user.locale = "ja"
    member.user.save(update_fields=["locale"])
    _token, key = services.issue_api_token(user=member.user)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")

    response = api.post("/api/v1/orgs/acme/activities/", {}, format="json")

    assert response.status_code == 400
    assert _lang(response) == "ja"
    assert "この項目は必須です。" in str(response.json())  # DRF's own catalogue


def test_new_members_start_in_the_organisation_s_language(admin, org):
    org.language = "ja"
    org.save(update_fields=["language"])

    invited = services.add_member(actor=admin, email="new.person@example.net", name="New")

    assert invited.membership.user.locale == "ja"


def test_an_existing_account_keeps_its_own_language_when_invited(admin, org, other_org):
    someone = User.objects.create(username="kept", email="kept@example.net", locale="en")
    org.language = "ja"
    org.save(update_fields=["language"])

    services.add_member(actor=admin, email="kept@example.net")

    someone.refresh_from_db()
    assert someone.locale == "en"


@pytest.mark.parametrize(("country", "expected"), [("JP", "ja"), ("US", "en"), ("GB", "en")])
def test_createorg_starts_a_japanese_organisation_in_japanese(country, expected):
    call_command(
        "createorg",
        "--slug",
        f"org-{country.lower()}",
        "--name",
        "Org",
        "--admin-email",
        f"admin@{country.lower()}.example",
        "--country",
        country,
        stdout=StringIO(),
    )

    org = Organization.objects.get(slug=f"org-{country.lower()}")
    assert org.language == expected
    admin = Membership.objects.get(organization=org)
    assert admin.user.locale == expected


def test_createorg_takes_an_explicit_language():
    call_command(
        "createorg",
        "--slug",
        "tokyo-en",
        "--name",
        "Tokyo (English)",
        "--admin-email",
        "admin@tokyo-en.example",
        "--country",
        "JP",
        "--language",
        "en",
        stdout=StringIO(),
    )

    assert Organization.objects.get(slug="tokyo-en").language == "en"


def test_an_admin_sets_the_organisation_s_language_and_a_bad_one_is_a_400(api_for, admin, org):
    api = api_for(admin)

    assert api.patch("/api/v1/orgs/acme/", {"language": "ja"}, format="json").status_code == 200
    org.refresh_from_db()
    assert org.language == "ja"

    response = api.patch("/api/v1/orgs/acme/", {"language": "xx"}, format="json")
    assert response.status_code == 400
    assert "language" in response.json()
    org.refresh_from_db()
    assert org.language == "ja"


def test_a_member_cannot_change_the_organisation_s_language(api_for, member, org):
    response = api_for(member).patch("/api/v1/orgs/acme/", {"language": "ja"}, format="json")

    assert response.status_code == 403
    org.refresh_from_db()
    assert org.language == "en"


def test_pages_come_out_in_japanese_from_the_product_s_own_catalogue(client_for, member):
    member.user.locale = "ja"
    member.user.save(update_fields=["locale"])

    html = client_for(member).get("/o/acme/").content.decode()

    assert "フィード" in html  # the navigation's "Feed"
    assert "今日の活動" in html  # "My day"
    assert ">Feed<" not in html
