"""S9: sessions and tokens end when they should: fixation, logout, password change, deactivation."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import Membership

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-42"


def session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def sign_in(membership: Membership, password: str, client: Client | None = None) -> Client:
    """Sign in through the real login form, as a browser does."""
    client = client or Client()
    response = client.post(
        "/accounts/login/", {"username": membership.user.username, "password": password}
    )
    assert response.status_code == 302, response.content
    return client


def session_cookie(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def client_with_session(key: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


def is_rejected(client: Client, url: str = "/") -> bool:
    """The client is treated as anonymous: sent to the login page."""
    response = client.get(url)
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_signing_in_replaces_a_planted_session_key(member, password):
    victim = Client()
    planted = victim.session  # an attacker-chosen anonymous session in the victim's browser
    planted["planted"] = True
    planted.save()

    sign_in(member, password, victim)

    assert session_cookie(victim) != planted.session_key
    assert not session_store()().exists(planted.session_key)
    assert is_rejected(client_with_session(planted.session_key))
    assert not is_rejected(victim)


def test_the_session_cookie_is_http_only_and_same_site(member, password):
    cookie = sign_in(member, password).cookies[settings.SESSION_COOKIE_NAME]

    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_after_logout_the_old_session_cookie_no_longer_works(member, password):
    client = sign_in(member, password)
    old_key = session_cookie(client)
    assert client.get("/o/acme/").status_code == 200

    assert client.post("/accounts/logout/").status_code == 302

    assert not session_store()().exists(old_key)
    assert is_rejected(client_with_session(old_key), "/o/acme/")
    assert is_rejected(client, "/o/acme/")


def test_logout_is_post_only_so_a_link_cannot_sign_you_out(member, password):
    client = sign_in(member, password)

    assert client.get("/accounts/logout/").status_code == 405
    assert not is_rejected(client)


def test_changing_the_password_signs_out_other_sessions_but_keeps_this_one(member, password):
    laptop = sign_in(member, password)
    phone = sign_in(member, password)

    response = laptop.post(
        "/accounts/password/change/",
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert laptop.get("/o/acme/").status_code == 200
    assert is_rejected(phone, "/o/acme/")
    assert is_rejected(phone)


def test_deactivation_rejects_the_members_sessions_and_tokens_on_the_next_request(
    client_for, admin, member, other_org, password
):
    # A second organisation keeps the user active elsewhere: the session itself must die,
    # not only the access to the organisation that deactivated them.
    Membership.objects.create(organization=other_org, user=member.user, role="member")
    browser = sign_in(member, password)
    token = (
        APIClient()
        .post("/api/v1/auth/token/", {"username": member.user.username, "password": password})
        .json()["token"]
    )
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert browser.get("/o/globex/").status_code == 200
    assert api.get("/api/v1/me/").status_code == 200

    response = client_for(admin).post(
        f"/o/acme/members/{member.user_id}/", {"role": "member", "team": member.team_id}
    )  # the unchecked "active" box deactivates

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.active is False
    assert is_rejected(browser, "/o/globex/")
    assert is_rejected(browser)
    assert api.get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(user=member.user).exists()


def test_deactivation_leaves_other_peoples_sessions_alone(client_for, admin, member, teammate):
    teammate_browser = client_for(teammate)

    response = client_for(admin).post(
        f"/o/acme/members/{member.user_id}/", {"role": "member", "team": member.team_id}
    )

    assert response.status_code == 302
    assert teammate_browser.get("/o/acme/").status_code == 200
