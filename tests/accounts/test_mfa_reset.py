"""An admin resets a member's two-factor authentication (a lost phone), safely."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from accounts import mfa
from accounts.models import AuditEvent, Membership
from accounts.rules import can_reset_mfa
from salesmgmt.errors import DomainError
from tests.factories import MembershipFactory, UserFactory
from tests.otp import enrol

pytestmark = pytest.mark.django_db


def reset_url(membership: Membership) -> str:
    return f"/o/{membership.organization.slug}/members/{membership.user_id}/mfa-reset/"


def test_an_admin_resets_a_member_of_their_organisation_alone(admin, member, client_for):
    enrol(member.user)

    response = client_for(admin).post(reset_url(member), follow=True)

    assert response.redirect_chain[-1][0] == f"/o/acme/members/{member.user_id}/"
    assert "was reset" in response.content.decode()
    assert mfa.authenticator_of(member.user) is None
    assert mfa.recovery_codes_left(member.user) == 0
    event = AuditEvent.objects.get(action="mfa_reset")
    assert (event.actor_id, event.organization_id, event.target) == (
        admin.user_id,
        admin.organization_id,
        member.user.email,
    )


def test_a_reset_manager_sets_up_a_new_authenticator_at_the_next_request(
    admin, manager, org, client_for
):
    org.require_mfa_for_managers = True
    org.save()
    managers_browser = client_for(manager)  # passed the second factor with the old device
    assert managers_browser.get("/o/acme/").status_code == 200

    mfa.reset_mfa(actor=admin, subject=manager)

    response = managers_browser.get("/o/acme/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/mfa/setup/")


def test_an_admin_cannot_reset_someone_who_also_belongs_to_another_organisation(
    admin, member, other_org, client_for
):
    MembershipFactory(organization=other_org, user=member.user)
    enrol(member.user)

    response = client_for(admin).post(reset_url(member), follow=True)

    assert "belong to this organisation alone" in response.content.decode()
    assert mfa.authenticator_of(member.user) is not None
    assert not AuditEvent.objects.filter(action="mfa_reset").exists()


def test_even_an_inactive_membership_elsewhere_blocks_the_reset(admin, member, other_org):
    MembershipFactory(organization=other_org, user=member.user, active=False)
    enrol(member.user)

    with pytest.raises(DomainError):
        mfa.reset_mfa(actor=admin, subject=member)

    assert mfa.authenticator_of(member.user) is not None


def test_an_admin_cannot_reset_their_own(admin):
    enrol(admin.user)

    with pytest.raises(DomainError):
        mfa.reset_mfa(actor=admin, subject=admin)

    assert mfa.authenticator_of(admin.user) is not None


def test_an_admin_cannot_reset_a_staff_account(admin, org):
    staff = MembershipFactory(organization=org, user=UserFactory(is_staff=True))
    enrol(staff.user)

    assert not can_reset_mfa(admin, staff)
    with pytest.raises(DomainError):
        mfa.reset_mfa(actor=admin, subject=staff)


def test_managers_and_members_may_not_reset_anyone(manager, member, client_for):
    enrol(member.user)

    response = client_for(manager).post(reset_url(member))

    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        mfa.reset_mfa(actor=manager, subject=member)
    assert mfa.authenticator_of(member.user) is not None


def test_an_admin_of_another_organisation_gets_a_404(outsider, member, client_for):
    enrol(member.user)

    response = client_for(outsider).post(reset_url(member))

    assert response.status_code == 404
    assert mfa.authenticator_of(member.user) is not None


def test_the_member_page_offers_the_reset_only_where_it_is_allowed(
    admin, member, teammate, other_org, client_for
):
    enrol(member.user)
    enrol(teammate.user)
    MembershipFactory(organization=other_org, user=teammate.user)
    client = client_for(admin)

    allowed = client.get(f"/o/acme/members/{member.user_id}/").content.decode()
    refused = client.get(f"/o/acme/members/{teammate.user_id}/").content.decode()

    assert reset_url(member) in allowed
    assert reset_url(teammate) not in refused
    assert "You cannot reset it here" in refused


def test_the_member_page_judges_the_requirement_by_this_organisation_alone(
    admin, member, other_org, client_for
):
    MembershipFactory(organization=other_org, user=member.user, role=Membership.Role.ADMIN)

    page = client_for(admin).get(f"/o/acme/members/{member.user_id}/").content.decode()
    own = client_for(admin).get(f"/o/acme/members/{admin.user_id}/").content.decode()

    assert "Required for this person" not in page  # an admin elsewhere: none of acme's business
    assert "Required for this person's role here." in own
