"""S17: an admin or manager without a second factor is held on the two-factor pages.

Signs in through the real sign-in form (password only), then walks the app as a browser
and as a session API client would.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership
from accounts.rules import must_use_mfa
from tests.factories import MembershipFactory, UserFactory
from tests.otp import enrol

pytestmark = pytest.mark.django_db

SETUP = "/accounts/mfa/setup/"
VERIFY = "/accounts/mfa/verify/"
ORG_PAGES = [
    "/",
    "/o/acme/",
    "/o/acme/members/",
    "/o/acme/settings/",
    "/o/acme/activities/",
    "/o/acme/deals/",
    "/o/acme/audit/",
    "/accounts/password/change/",
    "/accounts/mfa/",
    "/admin/",
]


def signed_in_with_password(membership: Membership, password: str) -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": membership.user.username, "password": password}
    )
    assert response.status_code == 302
    return client


def sent_to(response, page: str) -> bool:
    return response.status_code == 302 and response["Location"].startswith(page)


@pytest.mark.parametrize("page", ORG_PAGES)
def test_an_admin_without_an_authenticator_is_sent_to_set_one_up_from_every_page(
    admin, password, page
):
    client = signed_in_with_password(admin, password)

    response = client.get(page)

    assert sent_to(response, SETUP), response.get("Location")


def test_the_set_up_page_remembers_the_page_the_admin_wanted(admin, password):
    client = signed_in_with_password(admin, password)

    response = client.get("/o/acme/members/?q=sam")

    assert response["Location"] == SETUP + "?next=%2Fo%2Facme%2Fmembers%2F%3Fq%3Dsam"


def test_an_admin_without_an_authenticator_cannot_post_a_form_either(admin, password, org):
    client = signed_in_with_password(admin, password)

    response = client.post("/o/acme/settings/", {"name": "Hijacked"})

    assert sent_to(response, SETUP)
    org.refresh_from_db()
    assert org.name == "Acme Sales"


def test_an_htmx_request_is_told_to_load_the_set_up_page_instead_of_swapping_it_in(admin, password):
    client = signed_in_with_password(admin, password)

    response = client.get("/o/acme/members/", {"q": "sam"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(SETUP)


def test_sign_out_and_the_two_factor_pages_stay_open(admin, password):
    client = signed_in_with_password(admin, password)

    assert client.get(SETUP).status_code == 200
    assert client.get("/accounts/mfa/recovery-codes/").status_code == 200
    response = client.post("/accounts/logout/")
    assert sent_to(response, "/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_a_manager_is_held_only_when_the_organisation_asks_for_it(manager, password, org):
    client = signed_in_with_password(manager, password)
    assert client.get("/o/acme/").status_code == 200

    org.require_mfa_for_managers = True
    org.save()

    assert sent_to(client.get("/o/acme/"), SETUP)  # on the very next request


def test_a_member_is_never_asked_for_a_second_factor(member, password, org):
    org.require_mfa_for_managers = True
    org.save()
    client = signed_in_with_password(member, password)

    assert client.get("/o/acme/").status_code == 200
    assert client.get("/o/acme/activities/").status_code == 200


def test_a_member_promoted_to_admin_is_held_at_their_next_request(member, password):
    client = signed_in_with_password(member, password)
    assert client.get("/o/acme/").status_code == 200

    member.role = Membership.Role.ADMIN
    member.save()

    assert sent_to(client.get("/o/acme/"), SETUP)


def test_anyone_with_an_authenticator_enters_a_code_after_the_password(member, password):
    enrol(member.user)  # a member who chose two-factor authentication
    client = signed_in_with_password(member, password)

    response = client.get("/o/acme/")

    assert sent_to(response, VERIFY)


def test_an_admin_with_an_authenticator_is_sent_to_enter_a_code_not_to_set_one_up(admin, password):
    enrol(admin.user)
    client = signed_in_with_password(admin, password)

    assert sent_to(client.get("/o/acme/members/"), VERIFY)
    assert sent_to(client.get(SETUP), "/accounts/mfa/")  # nothing to set up: already on


def test_an_admin_of_another_organisation_is_held_in_this_one_too(password, org):
    elsewhere = MembershipFactory(role=Membership.Role.ADMIN)
    here = MembershipFactory(organization=org, user=elsewhere.user)
    client = signed_in_with_password(here, password)

    assert sent_to(client.get("/o/acme/"), SETUP)


def test_a_deactivated_admin_membership_no_longer_obliges(password, org):
    former = MembershipFactory(role=Membership.Role.ADMIN, active=False)
    here = MembershipFactory(organization=org, user=former.user)

    client = signed_in_with_password(here, password)

    assert client.get("/o/acme/").status_code == 200


def test_staff_must_use_two_factor_authentication_for_the_django_admin(password):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.post("/admin/login/", {"username": staff.username, "password": password})

    assert must_use_mfa(staff)
    assert sent_to(client.get("/admin/accounts/team/"), SETUP)


# --- the API, called with a session ------------------------------------------------------


def test_the_session_api_refuses_a_session_still_owing_its_second_factor(admin, password):
    client = signed_in_with_password(admin, password)

    response = client.get("/api/v1/orgs/acme/members/")
    me = client.get("/api/v1/me/")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert "two-factor" in response.json()["detail"]
    assert me.status_code == 403


def test_the_session_api_answers_once_the_session_passed_its_second_factor(admin, client_for):
    response = client_for(admin).get("/api/v1/orgs/acme/members/")

    assert response.status_code == 200


def test_the_session_api_refuses_a_member_with_an_authenticator_until_verified(member, password):
    enrol(member.user)
    client = signed_in_with_password(member, password)

    assert client.get("/api/v1/me/").status_code == 403


def test_the_session_api_serves_members_without_an_authenticator(member, password):
    client = signed_in_with_password(member, password)

    assert client.get("/api/v1/me/").status_code == 200


def test_an_unconfirmed_authenticator_does_not_count_as_set_up(admin, password):
    TOTPDevice.objects.create(user=admin.user, name="half done", confirmed=False)
    client = signed_in_with_password(admin, password)

    assert sent_to(client.get("/o/acme/"), SETUP)


def test_enforcing_the_second_factor_costs_a_member_no_extra_query(member, client_for, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(member)
    client.get("/o/acme/")  # warm up
    with CaptureQueriesContext(connection) as enforced:
        assert client.get("/o/acme/").status_code == 200
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if m
        not in (
            "django_otp.middleware.OTPMiddleware",
            "accounts.mfa_enforcement.SecondFactorMiddleware",
        )
    ]
    with CaptureQueriesContext(connection) as bare:
        assert client.get("/o/acme/").status_code == 200

    assert len(enforced) == len(bare)
