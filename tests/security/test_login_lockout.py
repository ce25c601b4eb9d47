"""S8: brute force against sign-in is locked per (username, IP) pair; no account enumeration.

Runs with the real django-axes configuration from settings (AXES_FAILURE_LIMIT, default 10).
"""

from __future__ import annotations

import logging
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
TOKEN_URL = "/api/v1/auth/token/"
RESET_URL = "/accounts/password/reset/"
ATTACKER_IP = "203.0.113.7"
OTHER_IP = "198.51.100.20"
WRONG = "wrong-password-123"
LIMIT = settings.AXES_FAILURE_LIMIT
CSRF_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


def without_csrf_tokens(html: bytes, *names: str) -> str:
    """The page with per-request CSRF tokens and the given echoed names blanked out."""
    text = CSRF_TOKEN.sub("CSRF", html.decode())
    for name in names:
        text = text.replace(name, "NAME")
    return text


def page_login(username: str, password: str, ip: str, client: Client | None = None):
    return (client or Client()).post(
        LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def api_login(username: str, password: str, ip: str):
    return APIClient().post(
        TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


def fail_on_page(username: str, times: int, ip: str = ATTACKER_IP) -> list[int]:
    return [page_login(username, WRONG, ip).status_code for _ in range(times)]


def fail_on_api(username: str, times: int, ip: str = ATTACKER_IP) -> list[int]:
    return [api_login(username, WRONG, ip).status_code for _ in range(times)]


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- the sign-in page ---------------------------------------------------------------------


def test_the_limit_of_bad_passwords_locks_the_pair_even_against_the_right_password(
    member, password
):
    assert fail_on_page(member.user.username, LIMIT - 1) == [200] * (LIMIT - 1)
    assert fail_on_page(member.user.username, 1) == [429]

    client = Client()
    response = page_login(member.user.username, password, ATTACKER_IP, client)

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not is_signed_in(client)


def test_the_lockout_is_logged_with_username_and_ip_but_never_the_password(member, caplog):
    # pytest attaches caplog to the non-propagating `axes` and `salesmgmt.security` loggers too.
    fail_on_page(member.user.username, LIMIT)
    security_records = caplog.records

    locks = [r for r in security_records if "Locking out" in r.getMessage()]
    assert len(locks) == 1
    assert locks[0].levelno == logging.WARNING
    assert member.user.username in locks[0].getMessage()
    assert ATTACKER_IP in locks[0].getMessage()
    failures = [r for r in security_records if r.getMessage().startswith("login failed")]
    assert len(failures) == LIMIT
    assert all(WRONG not in r.getMessage() for r in security_records)
    attempt = AccessAttempt.objects.get(username=member.user.username, ip_address=ATTACKER_IP)
    assert attempt.failures_since_start == LIMIT


def test_the_right_password_from_another_ip_still_signs_in(member, password):
    fail_on_page(member.user.username, LIMIT)

    client = Client()
    response = page_login(member.user.username, password, OTHER_IP, client)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_another_user_from_the_locked_ip_is_not_affected(member, teammate, password):
    fail_on_page(member.user.username, LIMIT)

    client = Client()
    response = page_login(teammate.user.username, password, ATTACKER_IP, client)

    assert response.status_code == 302
    assert is_signed_in(client)


@pytest.mark.parametrize("spelling", ["upper-case username", "e-mail", "upper-case e-mail"])
def test_typing_the_locked_account_another_way_does_not_get_around_the_lock(
    member, password, spelling
):
    fail_on_page(member.user.username, LIMIT)
    typed = {
        "upper-case username": member.user.username.upper(),
        "e-mail": member.user.email,
        "upper-case e-mail": member.user.email.upper(),
    }[spelling]

    client = Client()
    response = page_login(typed, password, ATTACKER_IP, client)

    assert response.status_code == 429
    assert not is_signed_in(client)


def test_failures_just_under_the_limit_are_forgotten_after_a_successful_sign_in(member, password):
    fail_on_page(member.user.username, LIMIT - 1)
    assert page_login(member.user.username, password, ATTACKER_IP).status_code == 302

    assert fail_on_page(member.user.username, LIMIT - 1) == [200] * (LIMIT - 1)
    assert page_login(member.user.username, password, ATTACKER_IP).status_code == 302


# --- the token endpoint -------------------------------------------------------------------


def test_the_token_endpoint_locks_the_pair_and_answers_429_in_json(member, password):
    assert fail_on_api(member.user.username, LIMIT - 1) == [400] * (LIMIT - 1)
    assert fail_on_api(member.user.username, 1) == [429]

    response = api_login(member.user.username, password, ATTACKER_IP)

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}
    assert "token" not in response.json()
    assert not AuthToken.objects.filter(user=member.user).exists()


def test_the_token_endpoint_still_issues_a_token_to_another_ip(member, password):
    fail_on_api(member.user.username, LIMIT)

    response = api_login(member.user.username, password, OTHER_IP)

    assert response.status_code == 200
    assert response.json()["token"]


def test_the_token_endpoint_cannot_be_bypassed_with_the_e_mail(member, password):
    fail_on_api(member.user.username, LIMIT)

    assert api_login(member.user.email.upper(), password, ATTACKER_IP).status_code == 429
    assert not AuthToken.objects.filter(user=member.user).exists()


def test_failures_on_the_page_and_the_api_count_together(member, password):
    half = LIMIT // 2
    fail_on_page(member.user.username, half)
    fail_on_api(member.user.username, LIMIT - half)

    assert page_login(member.user.username, password, ATTACKER_IP).status_code == 429
    assert api_login(member.user.username, password, ATTACKER_IP).status_code == 429


def test_the_lockout_response_does_not_reveal_whether_the_account_exists(member):
    fail_on_page(member.user.username, LIMIT)
    fail_on_page("nobody-here", LIMIT)

    known = page_login(member.user.username, WRONG, ATTACKER_IP)
    unknown = page_login("nobody-here", WRONG, ATTACKER_IP)

    assert known.status_code == unknown.status_code == 429
    assert without_csrf_tokens(known.content, member.user.username) == without_csrf_tokens(
        unknown.content, "nobody-here"
    )


# --- no account enumeration ---------------------------------------------------------------


def test_sign_in_gives_the_same_error_for_a_wrong_password_and_an_unknown_user(member):
    wrong_password = page_login(member.user.username, WRONG, OTHER_IP)
    unknown_user = page_login("nobody-here", WRONG, OTHER_IP)

    assert wrong_password.status_code == unknown_user.status_code == 200
    assert wrong_password.context["form"].errors == unknown_user.context["form"].errors
    assert wrong_password.context["form"].errors  # it did fail
    # The pages differ only in the username echoed back into the field.
    assert without_csrf_tokens(wrong_password.content, member.user.username) == (
        without_csrf_tokens(unknown_user.content, "nobody-here")
    )


def test_password_reset_answers_the_same_for_a_known_and_an_unknown_address(member, mailoutbox):
    known = Client().post(RESET_URL, {"email": member.user.email})
    unknown = Client().post(RESET_URL, {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert without_csrf_tokens(known.content) == without_csrf_tokens(unknown.content)
    # Only the real account gets a mail, which the requester cannot see.
    assert [m.to for m in mailoutbox] == [[member.user.email]]
