"""Accepting an invitation: once, before it expires, by the invited person only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, User
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-passphrase-2026"


def link(token: str) -> str:
    return f"/accounts/invitations/{token}/"


def accept_form(password1: str = NEW_PASSWORD, password2: str | None = None, name: str = "Nina"):
    return {"name": name, "password1": password1, "password2": password2 or password1}


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


@pytest.fixture
def invited(admin, team):
    """A brand-new person invited as a manager of `team`: (membership, invitation, token)."""
    result = services.add_member(
        actor=admin, email="nina@example.com", role=Membership.Role.MANAGER, team=team
    )
    return result.membership, result.invitation, result.invitation_token


def assert_untouched(membership: Membership, invitation: Invitation) -> None:
    membership.refresh_from_db()
    invitation.refresh_from_db()
    assert membership.active is False
    assert invitation.accepted_at is None
    assert not User.objects.get(pk=membership.user_id).has_usable_password()


# --- a new person -------------------------------------------------------------------------


def test_a_new_person_sets_a_password_joins_and_is_signed_in(invited, team):
    membership, invitation, token = invited
    client = Client()

    page = client.get(link(token))
    assert page.status_code == 200
    assert "Join Acme Sales" in page.content.decode()
    assert "nina@example.com" in page.content.decode()

    response = client.post(link(token), accept_form(), follow=True)

    assert response.redirect_chain == [("/o/acme/", 302)]
    assert "Welcome to Acme Sales!" in response.content.decode()
    assert signed_in_user_id(client) == membership.user_id
    membership.refresh_from_db()
    assert (membership.active, membership.role, membership.team) == (True, "manager", team)
    assert membership.user.name == "Nina"
    assert membership.user.check_password(NEW_PASSWORD)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_the_new_person_can_sign_in_later_with_the_password_they_chose(invited):
    _membership, _invitation, token = invited
    Client().post(link(token), accept_form())

    response = Client().post(
        "/accounts/login/", {"username": "nina@example.com", "password": NEW_PASSWORD}
    )

    assert response.status_code == 302


def test_only_a_hash_of_the_token_is_stored(invited):
    _membership, invitation, token = invited

    assert invitation.token_hash != token
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert Invitation.objects.by_token(token).get() == invitation


def test_opening_the_link_does_not_use_it_up(invited):
    _membership, _invitation, token = invited
    client = Client()
    client.get(link(token))
    client.get(link(token))  # e.g. a mail scanner opened it first

    assert client.post(link(token), accept_form()).status_code == 302


def test_the_same_link_cannot_be_used_twice(invited):
    membership, _invitation, token = invited
    Client().post(link(token), accept_form())

    again = Client().get(link(token))
    replay = Client().post(link(token), accept_form(password1="another-passphrase-77"))

    assert again.status_code == replay.status_code == 404
    assert "This invitation cannot be used" in again.content.decode()
    assert User.objects.get(pk=membership.user_id).check_password(NEW_PASSWORD)


def test_an_unknown_token_shows_the_same_page(invited):
    response = Client().get(link("not-a-real-token"))

    assert response.status_code == 404
    assert "This invitation cannot be used" in response.content.decode()


def test_an_invitation_still_works_just_before_it_expires(invited, time_machine):
    _membership, invitation, token = invited
    time_machine.move_to(invitation.expires_at - timedelta(minutes=1))

    assert Client().post(link(token), accept_form()).status_code == 302


def test_an_expired_invitation_is_refused_and_changes_nothing(invited, time_machine):
    membership, invitation, token = invited
    time_machine.move_to(timezone.now() + settings.INVITATION_TTL + timedelta(minutes=1))

    page = Client().get(link(token))
    post = Client().post(link(token), accept_form())

    assert page.status_code == post.status_code == 404
    assert "This invitation cannot be used" in post.content.decode()
    assert_untouched(membership, invitation)


def test_resending_kills_the_old_link_and_the_new_one_works(admin, invited):
    membership, old_invitation, old_token = invited
    _new_invitation, new_token = services.resend_invitation(actor=admin, membership=membership)

    dead = Client().post(link(old_token), accept_form())

    assert dead.status_code == 404
    assert_untouched(membership, old_invitation)
    assert Client().post(link(new_token), accept_form()).status_code == 302
    membership.refresh_from_db()
    assert membership.active


def test_mismatched_passwords_are_a_form_error_and_change_nothing(invited):
    membership, invitation, token = invited

    response = Client().post(link(token), accept_form(NEW_PASSWORD, "something-else-entirely"))

    assert response.status_code == 422
    assert "The two passwords differ." in response.context["form"].errors["password2"]
    assert_untouched(membership, invitation)


@pytest.mark.parametrize("weak", ["12345678", "password", "nina@example.com", "short"])
def test_a_weak_password_is_a_form_error_and_changes_nothing(invited, weak):
    membership, invitation, token = invited
    client = Client()

    response = client.post(link(token), accept_form(weak))

    assert response.status_code == 422
    assert response.context["form"].errors
    assert signed_in_user_id(client) is None
    assert_untouched(membership, invitation)


def test_a_signed_in_bystanders_own_account_is_never_joined_or_changed_by_the_link(
    client_for, invited, member, password
):
    membership, _invitation, token = invited
    before = list(Membership.objects.filter(user=member.user).values_list("id", "role", "active"))

    client_for(member).post(link(token), accept_form())

    # The link only ever completes the invited person's account and membership.
    member.user.refresh_from_db()
    assert member.user.check_password(password)
    after = list(Membership.objects.filter(user=member.user).values_list("id", "role", "active"))
    assert after == before
    membership.refresh_from_db()
    assert membership.user.email == "nina@example.com"


# --- a person who already has an account --------------------------------------------------


@pytest.fixture
def existing(admin, other_org):
    """Someone with an account (and password) elsewhere, invited to acme as a member."""
    person = MembershipFactory(organization=other_org, user__username="erin").user
    result = services.add_member(actor=admin, email=person.email)
    return person, result.membership, result.invitation, result.invitation_token


def test_an_existing_account_is_asked_to_sign_in_first(existing):
    person, membership, invitation, token = existing
    client = Client()

    page = client.get(link(token))
    post = client.post(link(token), accept_form(password1="hijacked-passphrase-1"))

    assert page.status_code == 200
    assert "You already have an account" in page.content.decode()
    assert f"/accounts/login/?next={link(token)}" in page.content.decode()
    assert post.status_code == 422
    assert f"Sign in as {person.email} to accept." in post.content.decode()
    membership.refresh_from_db()
    invitation.refresh_from_db()
    assert membership.active is False
    assert invitation.accepted_at is None


def test_an_existing_account_signs_in_and_joins_with_its_password_unchanged(existing, password):
    person, membership, invitation, token = existing
    client = Client()

    login = client.post(
        f"/accounts/login/?next={link(token)}",
        {"username": person.email, "password": password, "next": link(token)},
    )
    assert login["Location"] == link(token)
    assert "Join" in client.get(link(token)).content.decode()
    response = client.post(link(token), accept_form(password1="ignored-passphrase-99"))

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/"
    membership.refresh_from_db()
    invitation.refresh_from_db()
    assert membership.active is True
    assert invitation.accepted_at is not None
    person.refresh_from_db()
    assert person.check_password(password)
    assert not person.check_password("ignored-passphrase-99")


def test_a_different_signed_in_user_cannot_accept_an_existing_accounts_invitation(
    client_for, existing, member, password
):
    person, membership, invitation, token = existing
    client = client_for(member)

    response = client.post(link(token))

    assert response.status_code == 422
    assert f"Sign in as {person.email} to accept." in response.content.decode()
    membership.refresh_from_db()
    invitation.refresh_from_db()
    assert membership.active is False
    assert invitation.accepted_at is None
    assert signed_in_user_id(client) == member.user_id
    person.refresh_from_db()
    assert person.check_password(password)


def test_the_invited_account_keeps_its_other_memberships(existing, other_org, client_for):
    person, _membership, _invitation, token = existing
    client = Client()
    client.force_login(person, backend="accounts.backends.UsernameOrEmailBackend")

    client.post(link(token))

    assert set(
        Membership.objects.filter(user=person, active=True).values_list(
            "organization__slug", flat=True
        )
    ) == {"acme", other_org.slug}


def test_a_stranger_without_an_invitation_cannot_join_by_guessing(client_for):
    stranger = UserFactory()
    client = Client()
    client.force_login(stranger, backend="accounts.backends.UsernameOrEmailBackend")

    assert client.post(link("guessed-token")).status_code == 404
    assert not Membership.objects.filter(user=stranger).exists()
