"""Setting up an authenticator, entering codes, recovery codes, turning it off, lockout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from accounts.models import AuditEvent, Membership
from tests.otp import enrol, totp_code

pytestmark = pytest.mark.django_db

SETUP = "/accounts/mfa/setup/"
VERIFY = "/accounts/mfa/verify/"
CODES = "/accounts/mfa/recovery-codes/"
MANAGE = "/accounts/mfa/"
DISABLE = "/accounts/mfa/disable/"
WRONG = "000000"
# The start of a 15-minute window of the code limit (fixed windows), so a test never
# straddles two of them.
WINDOW_START = "2030-06-03T10:00:05+00:00"


def signed_in_with_password(membership: Membership, password: str) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": membership.user.username, "password": password})
    return client


def wrong_code_for(device: TOTPDevice) -> str:
    right = totp_code(device)
    return WRONG if right != WRONG else "111111"


def audit_actions(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(target=user.email).order_by("pk").values_list("action", flat=True)
    )


def after_back_off(time_machine, seconds: int = 30) -> None:
    """django-otp makes a device wait 1, 2, 4… seconds after each wrong code."""
    time_machine.move_to(timezone.now() + timedelta(seconds=seconds), tick=True)


# --- setting up ---------------------------------------------------------------------------


def test_the_set_up_page_shows_a_qr_code_drawn_here_and_the_key_to_type(admin, password):
    client = signed_in_with_password(admin, password)

    response = client.get(SETUP)

    page = response.content.decode()
    device = TOTPDevice.objects.get(user=admin.user, confirmed=False)
    key = re.search(r'data-testid="mfa-key">([A-Z2-7 ]+)<', page).group(1)
    assert response.status_code == 200
    assert (
        'src="data:image/svg+xml;charset=utf-8,%3Csvg' in page
    )  # no outside service, allowed by img-src data:
    assert key.replace(" ", "") in device.config_url
    assert "Your role requires two-factor authentication" in page


def test_reloading_the_set_up_page_keeps_the_same_secret(admin, password):
    client = signed_in_with_password(admin, password)

    first = client.get(SETUP).context["manual_key"]
    second = client.get(SETUP).context["manual_key"]

    assert first == second
    assert TOTPDevice.objects.filter(user=admin.user).count() == 1


def test_a_wrong_first_code_sets_nothing_up(admin, password):
    client = signed_in_with_password(admin, password)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=admin.user)

    response = client.post(SETUP, {"otp": wrong_code_for(device)})

    assert response.status_code == 422
    assert "That code is not valid." in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticToken.objects.filter(device__user=admin.user).exists()


def test_confirming_shows_ten_recovery_codes_once_then_lets_the_admin_in(admin, password):
    client = signed_in_with_password(admin, password)
    client.get(SETUP + "?next=/o/acme/members/")
    device = TOTPDevice.objects.get(user=admin.user)

    confirmed = client.post(SETUP, {"otp": totp_code(device), "next": "/o/acme/members/"})
    shown = client.get(confirmed["Location"])
    again = client.get(CODES)

    assert confirmed.status_code == 302
    assert confirmed["Location"].startswith(CODES)
    codes = shown.context["codes"]
    assert len(codes) == 10
    assert set(codes) == set(
        StaticToken.objects.filter(device__user=admin.user).values_list("token", flat=True)
    )
    assert 'href="/o/acme/members/"' in shown.content.decode()
    assert again.context["codes"] == []  # shown only once
    assert client.get("/o/acme/members/").status_code == 200
    assert audit_actions(admin.user) == ["mfa_enrolled"]


def test_confirming_gives_the_session_a_new_key(admin, password):
    client = signed_in_with_password(admin, password)
    client.get(SETUP)
    before = client.session.session_key
    device = TOTPDevice.objects.get(user=admin.user)

    client.post(SETUP, {"otp": totp_code(device)})

    assert client.session.session_key != before
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


# --- entering a code after the password ---------------------------------------------------


def test_the_right_code_lets_the_person_in_and_back_to_the_page_they_wanted(admin, password):
    device, _codes = enrol(admin.user)
    client = signed_in_with_password(admin, password)
    wanted = client.get("/o/acme/teams/")["Location"]

    page = client.get(wanted)
    response = client.post(wanted, {"otp": totp_code(device), "next": "/o/acme/teams/"})

    assert page.status_code == 200
    assert "accounts/mfa/verify.html" in [t.name for t in page.templates]
    assert response["Location"] == "/o/acme/teams/"
    assert client.get("/o/acme/teams/").status_code == 200


def test_a_code_is_never_accepted_twice(admin, password):
    device, _codes = enrol(admin.user)
    device.refresh_from_db()
    first = signed_in_with_password(admin, password)
    code = totp_code(device)
    assert first.post(VERIFY, {"otp": code})["Location"] == "/"

    second = signed_in_with_password(admin, password)
    response = second.post(VERIFY, {"otp": code})

    assert response.status_code == 422


def test_the_next_address_never_leads_to_another_site(admin, password):
    device, _codes = enrol(admin.user)
    client = signed_in_with_password(admin, password)

    response = client.post(VERIFY, {"otp": totp_code(device), "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_a_recovery_code_works_once(admin, password):
    _device, codes = enrol(admin.user)
    first = signed_in_with_password(admin, password)

    used = first.post(VERIFY, {"otp": codes[0].upper()})
    second = signed_in_with_password(admin, password)
    reused = second.post(VERIFY, {"otp": codes[0]})

    assert used.status_code == 302
    assert first.get("/o/acme/").status_code == 200
    assert reused.status_code == 422
    assert mfa.recovery_codes_left(admin.user) == 9
    assert "mfa_recovery_code_used" in audit_actions(admin.user)


def test_new_recovery_codes_replace_the_old_ones(admin, client_for):
    _device, old_codes = enrol(admin.user)
    client = client_for(admin)

    response = client.post("/accounts/mfa/recovery-codes/regenerate/")
    new_codes = client.get(response["Location"]).context["codes"]

    assert len(new_codes) == 10
    assert set(new_codes).isdisjoint(old_codes)
    assert mfa.recovery_codes_left(admin.user) == 10
    assert "mfa_recovery_codes_regenerated" in audit_actions(admin.user)


# --- guessing codes -----------------------------------------------------------------------


def test_five_wrong_codes_lock_the_account_out_of_codes_even_the_right_one(
    admin, password, time_machine, settings
):
    time_machine.move_to(WINDOW_START, tick=True)
    device, _codes = enrol(admin.user)
    client = signed_in_with_password(admin, password)
    wrong = wrong_code_for(device)

    answers = []
    for _ in range(5):
        after_back_off(time_machine)
        answers.append(client.post(VERIFY, {"otp": wrong}).status_code)
    after_back_off(time_machine)
    locked = client.post(VERIFY, {"otp": totp_code(device)})

    assert settings.MFA_CODE_RATE == "5/15min"
    assert answers == [422] * 5
    assert locked.status_code == 429
    assert "Too many wrong codes" in locked.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert audit_actions(admin.user).count("mfa_failed") == 5


def test_the_lockout_ends_with_its_window(admin, password, time_machine):
    time_machine.move_to(WINDOW_START, tick=True)
    device, _codes = enrol(admin.user)
    client = signed_in_with_password(admin, password)
    wrong = wrong_code_for(device)
    for _ in range(5):
        after_back_off(time_machine)
        client.post(VERIFY, {"otp": wrong})

    after_back_off(time_machine, seconds=16 * 60)
    response = client.post(VERIFY, {"otp": totp_code(device)})

    assert response.status_code == 302


def test_wrong_codes_count_across_sessions_of_the_same_account(admin, password, time_machine):
    time_machine.move_to(WINDOW_START, tick=True)
    device, _codes = enrol(admin.user)
    wrong = wrong_code_for(device)
    for _ in range(5):
        after_back_off(time_machine)
        signed_in_with_password(admin, password).post(VERIFY, {"otp": wrong})

    after_back_off(time_machine)
    response = signed_in_with_password(admin, password).post(VERIFY, {"otp": totp_code(device)})

    assert response.status_code == 429


# --- turning it off -----------------------------------------------------------------------


def test_a_member_may_turn_it_off_with_a_current_code(member, client_for):
    device, _codes = enrol(member.user)
    client = client_for(member)  # a member who chose it enters a code like anyone
    client.post(VERIFY, {"otp": totp_code(device)})

    response = client.post(DISABLE, {"otp": totp_code(device)})

    assert response["Location"] == MANAGE
    assert mfa.authenticator_of(member.user) is None
    assert not StaticToken.objects.filter(device__user=member.user).exists()
    assert client.get("/o/acme/").status_code == 200
    assert "mfa_disabled" in audit_actions(member.user)


def test_turning_it_off_needs_a_valid_code(member, client_for, time_machine):
    device, _codes = enrol(member.user)
    client = client_for(member)
    client.post(VERIFY, {"otp": totp_code(device)})
    after_back_off(time_machine)

    response = client.post(DISABLE, {"otp": wrong_code_for(device)})

    assert response.status_code == 422
    assert mfa.authenticator_of(member.user) is not None
    assert "mfa_failed" in audit_actions(member.user)


def test_an_admin_cannot_turn_it_off(admin, client_for):
    device, _codes = enrol(admin.user)
    client = client_for(admin)

    page = client.get(MANAGE)
    response = client.post(DISABLE, {"otp": totp_code(device)})

    assert "Turn off two-factor authentication" not in page.content.decode()
    assert response.status_code == 422
    assert "cannot be turned off" in response.content.decode()
    assert mfa.authenticator_of(admin.user) is not None


def test_a_member_may_set_it_up_of_their_own_accord(member, client_for):
    client = client_for(member)
    assert "Set up two-factor authentication" in client.get(MANAGE).content.decode()
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=member.user)

    response = client.post(SETUP, {"otp": totp_code(device)})

    assert response.status_code == 302
    assert mfa.authenticator_of(member.user) == device
    assert client.get("/o/acme/").status_code == 200  # this session passed it already


# --- the account keeps its devices ------------------------------------------------------


def test_deactivation_and_a_password_change_leave_the_authenticator_in_place(
    admin, member, client_for, password
):
    from accounts import services

    device, _codes = enrol(member.user)
    services.update_membership(actor=admin, membership=member, active=False)
    services.update_membership(actor=admin, membership=member, active=True)
    client = client_for(member)
    client.post(VERIFY, {"otp": totp_code(device)})
    client.post(
        "/accounts/password/change/",
        {
            "old_password": password,
            "new_password1": "Vq7-maple-orbit-42",
            "new_password2": "Vq7-maple-orbit-42",
        },
    )

    assert mfa.authenticator_of(member.user) == device
    assert mfa.recovery_codes_left(member.user) == 10
