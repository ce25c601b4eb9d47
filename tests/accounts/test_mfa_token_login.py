"""`POST /api/v1/auth/token/`: tokens are issued only after the second factor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import mfa
from accounts.models import AuditEvent
from tests.otp import enrol, totp_code

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
# The start of a 15-minute window of the code limit (fixed windows), so a test never
# straddles two of them.
WINDOW_START = "2030-06-03T10:00:05+00:00"


def token_login(membership, password, **extra):
    body = {"username": membership.user.username, "password": password, **extra}
    return APIClient().post(TOKEN_URL, body, format="json")


def test_an_admin_who_has_not_set_it_up_is_told_to_do_so_in_the_web_app(admin, password):
    response = token_login(admin, password)

    assert response.status_code == 403
    assert "set it up in the web app" in response.json()["detail"]
    assert not AuthToken.objects.filter(user=admin.user).exists()


def test_an_admin_with_an_authenticator_gets_a_token_with_a_current_code(admin, password):
    device, _codes = enrol(admin.user)

    response = token_login(admin, password, otp=totp_code(device))

    assert response.status_code == 200
    api = APIClient(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get("/api/v1/orgs/acme/members/").status_code == 200


def test_without_the_code_the_answer_says_which_field_is_missing(admin, password):
    enrol(admin.user)

    response = token_login(admin, password)

    assert response.status_code == 400
    assert "otp" in response.json()
    assert not AuthToken.objects.filter(user=admin.user).exists()


def test_a_wrong_code_is_refused_and_counted(admin, password):
    device, _codes = enrol(admin.user)
    wrong = "000000" if totp_code(device) != "000000" else "111111"

    response = token_login(admin, password, otp=wrong)

    assert response.status_code == 400
    assert response.json() == {"otp": ["That code is not valid."]}
    assert not AuthToken.objects.filter(user=admin.user).exists()
    assert AuditEvent.objects.filter(action="mfa_failed", target=admin.user.email).count() == 1


def test_a_recovery_code_gets_a_token_once(admin, password):
    _device, codes = enrol(admin.user)

    first = token_login(admin, password, otp=codes[3])
    second = token_login(admin, password, otp=codes[3])

    assert first.status_code == 200
    assert second.status_code == 400
    assert mfa.recovery_codes_left(admin.user) == 9


def test_a_wrong_password_is_refused_before_any_code_is_looked_at(admin, password):
    device, _codes = enrol(admin.user)

    response = token_login(admin, "not-the-password", otp=totp_code(device))

    assert response.status_code == 400
    assert response.json() == {"detail": "Unable to sign in with these credentials."}
    assert not AuditEvent.objects.filter(action="mfa_failed").exists()


def test_guessing_codes_through_the_api_locks_codes_after_five(admin, password, time_machine):
    time_machine.move_to(WINDOW_START, tick=True)
    device, _codes = enrol(admin.user)
    wrong = "000000" if totp_code(device) != "000000" else "111111"
    statuses = []
    for _ in range(6):
        time_machine.move_to(timezone.now() + timedelta(minutes=1), tick=True)
        statuses.append(token_login(admin, password, otp=wrong).status_code)
    time_machine.move_to(timezone.now() + timedelta(minutes=1), tick=True)

    right = token_login(admin, password, otp=totp_code(device))

    assert statuses == [400] * 5 + [429]
    assert right.status_code == 429
    assert not AuthToken.objects.filter(user=admin.user).exists()


def test_a_member_without_an_authenticator_needs_no_code(member, password):
    response = token_login(member, password)

    assert response.status_code == 200


def test_a_member_who_set_it_up_needs_a_code_too(member, password):
    device, _codes = enrol(member.user)

    without = token_login(member, password)
    with_code = token_login(member, password, otp=totp_code(device))

    assert without.status_code == 400
    assert with_code.status_code == 200


def test_a_manager_needs_it_only_when_the_organisation_asks(manager, password, org):
    assert token_login(manager, password).status_code == 200

    org.require_mfa_for_managers = True
    org.save()

    assert token_login(manager, password).status_code == 403


def test_the_otp_field_is_in_the_openapi_schema(api_for, member):
    schema = api_for(member).get("/api/v1/schema/", {"format": "json"}).json()

    fields = schema["components"]["schemas"]["TokenLoginRequest"]["properties"]
    assert "otp" in fields
    assert "otp" not in schema["components"]["schemas"]["TokenLoginRequest"]["required"]
