"""The API contract for token login, me/, the organisation, teams and members."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Invitation, Membership, Team

pytestmark = pytest.mark.django_db


def test_token_login_accepts_username_or_email_and_authenticates_requests(member, password):
    client = APIClient()
    for identifier in (member.user.username, member.user.email.upper()):
        response = client.post(
            "/api/v1/auth/token/", {"username": identifier, "password": password}, format="json"
        )
        assert response.status_code == 200, response.content
        token = response.json()["token"]
        me = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/")
        assert me.status_code == 200
        assert me.json()["email"] == member.user.email
    # knox stores only a digest of each token, never the token itself
    assert AuthToken.objects.filter(user=member.user).count() == 2
    assert not AuthToken.objects.filter(digest=token).exists()


def test_token_login_gives_one_answer_for_wrong_password_and_unknown_user(member):
    client = APIClient()
    wrong = client.post("/api/v1/auth/token/", {"username": member.user.username, "password": "x"})
    unknown = client.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"})
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()


def test_token_in_query_string_is_not_accepted(member, password):
    token = (
        APIClient()
        .post("/api/v1/auth/token/", {"username": member.user.username, "password": password})
        .json()["token"]
    )
    assert APIClient().get(f"/api/v1/me/?token={token}").status_code == 401


def test_expired_token_is_rejected(member, time_machine):
    _instance, token = AuthToken.objects.create(user=member.user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").status_code == 200
    time_machine.move_to("2099-01-01")
    assert client.get("/api/v1/me/").status_code == 401


def test_expired_token_answers_401_and_is_deleted(member, time_machine):
    expired, token = AuthToken.objects.create(user=member.user)
    time_machine.move_to("2099-01-01")
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(pk=expired.pk).exists()


def test_expired_tokens_are_deleted_by_the_periodic_clean_up_not_by_each_request(member):
    from accounts.tasks import delete_expired_api_tokens_task
    from salesmgmt.celery import app

    live, token = AuthToken.objects.create(user=member.user)
    other_live, _other_token = AuthToken.objects.create(user=member.user)
    expired, expired_token = AuthToken.objects.create(user=member.user)
    AuthToken.objects.filter(pk=expired.pk).update(expiry=timezone.now() - timedelta(seconds=1))

    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/").status_code == 200
    assert AuthToken.objects.filter(pk=expired.pk).exists()  # a request reads no other token
    expired_client = APIClient(HTTP_AUTHORIZATION=f"Token {expired_token}")

    assert delete_expired_api_tokens_task() == 1
    assert set(AuthToken.objects.values_list("pk", flat=True)) == {live.pk, other_live.pk}
    assert expired_client.get("/api/v1/me/").status_code == 401
    assert "accounts.tasks.delete_expired_api_tokens_task" in {
        entry["task"] for entry in app.conf.beat_schedule.values()
    }


def test_membership_resolution_reuses_the_loaded_user_and_keeps_tenancy(
    member, other_org, django_assert_num_queries
):
    from django.contrib.auth.models import AnonymousUser

    from salesmgmt.tenancy import resolve_membership

    user = type(member.user).objects.get(pk=member.user_id)
    with django_assert_num_queries(1):
        membership = resolve_membership(user, member.organization.slug)
        assert membership is not None
        assert membership.pk == member.pk
        assert membership.user is user
        assert membership.organization.slug == member.organization.slug
        assert membership.team == member.team
    assert resolve_membership(user, other_org.slug) is None
    assert resolve_membership(user, "no-such-org") is None
    assert resolve_membership(AnonymousUser(), member.organization.slug) is None
    Membership.objects.filter(pk=member.pk).update(active=False)
    assert resolve_membership(user, member.organization.slug) is None


def test_token_logout_revokes_the_token(member):
    _instance, token = AuthToken.objects.create(user=member.user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401


def test_me_lists_memberships_of_every_organisation(api_for, member, other_org):
    Membership.objects.create(organization=other_org, user=member.user, role="admin")
    body = api_for(member).get("/api/v1/me/").json()
    assert set(body) == {"id", "username", "email", "name", "language", "memberships"}
    assert {(m["org"], m["role"], m["team"]) for m in body["memberships"]} == {
        ("acme", "member", member.team_id),
        ("globex", "admin", None),
    }


def test_org_get_for_members_and_patch_for_admins_only(api_for, admin, member):
    assert api_for(member).get("/api/v1/orgs/acme/").json()["slug"] == "acme"
    assert api_for(member).patch("/api/v1/orgs/acme/", {"name": "X"}).status_code == 403
    response = api_for(admin).patch(
        "/api/v1/orgs/acme/", {"name": "Acme KK", "week_start": 6, "slug": "hijack"}
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Acme KK"
    assert response.json()["slug"] == "acme"  # read-only


@pytest.mark.parametrize(
    ("field", "value"),
    [("timezone", "Mars/Olympus"), ("week_start", 7), ("fiscal_year_start_month", 13),
     ("country", "ZZ"), ("currency", "yen")],
)  # fmt: skip
def test_org_patch_rejects_bad_settings_and_keeps_the_old_ones(api_for, admin, field, value):
    response = api_for(admin).patch("/api/v1/orgs/acme/", {field: value})
    assert response.status_code == 400
    assert field in response.json()
    assert api_for(admin).get("/api/v1/orgs/acme/").json()[field] != value


def test_other_organisation_slug_and_unknown_slug_answer_the_same_404(api_for, member, other_org):
    foreign = api_for(member).get(f"/api/v1/orgs/{other_org.slug}/teams/")
    missing = api_for(member).get("/api/v1/orgs/no-such-org/teams/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_member_cannot_create_a_team(api_for, member):
    response = api_for(member).post("/api/v1/orgs/acme/teams/", {"name": "Rogue"})
    assert response.status_code == 403
    assert not Team.objects.filter(name="Rogue").exists()


def test_admin_creates_a_nested_team_with_a_manager(api_for, admin, team, manager):
    response = api_for(admin).post(
        "/api/v1/orgs/acme/teams/",
        {"name": "Tokyo SMB", "parent": team.pk, "managers": [manager.user_id]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["parent"] == team.pk
    assert body["managers"] == [manager.user_id]


def test_team_list_is_paginated(api_for, member, team):
    body = api_for(member).get("/api/v1/orgs/acme/teams/?page_size=1").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert len(body["results"]) == 1


def test_team_cannot_reference_another_organisations_parent_or_manager(
    api_for, admin, outsider, outsider_team
):
    response = api_for(admin).post(
        "/api/v1/orgs/acme/teams/",
        {"name": "Sneaky", "parent": outsider_team.pk, "managers": [outsider.user_id]},
        format="json",
    )
    assert response.status_code == 400
    assert {"parent", "managers"} <= set(response.json())
    assert not Team.objects.filter(name="Sneaky").exists()


def test_team_cannot_become_its_own_descendant(api_for, admin, team, sub_team):
    response = api_for(admin).patch(
        f"/api/v1/orgs/acme/teams/{team.pk}/", {"parent": sub_team.pk}, format="json"
    )
    assert response.status_code == 400
    team.refresh_from_db()
    assert team.parent_id is None


def test_only_empty_teams_can_be_deleted(api_for, admin, team, sub_team, member):
    assert api_for(admin).delete(f"/api/v1/orgs/acme/teams/{team.pk}/").status_code == 400
    assert api_for(admin).delete(f"/api/v1/orgs/acme/teams/{sub_team.pk}/").status_code == 204
    assert Team.objects.filter(pk=team.pk).exists()


def test_admin_adds_member_with_password_who_can_then_log_in(api_for, org, admin, team):
    services.verify_domain_as_operator(org=org, domain="acme.example")
    response = api_for(admin).post(
        "/api/v1/orgs/acme/members/",
        {"email": "new@acme.example", "name": "New Rep", "role": "member", "team": team.pk,
         "password": "a-long-enough-password"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("email", "name", "role", "team", "active")} == {
        "email": "new@acme.example", "name": "New Rep", "role": "member", "team": team.pk,
        "active": True,
    }  # fmt: skip
    assert "password" not in body
    login = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "new@acme.example", "password": "a-long-enough-password"},
    )
    assert login.status_code == 200


def test_member_without_password_is_invited_by_email(
    api_for, admin, team, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(admin).post(
            "/api/v1/orgs/acme/members/", {"email": "invitee@example.com", "team": team.pk}
        )
    assert response.status_code == 201
    assert response.json()["active"] is False
    assert response.json()["invited"] is True
    assert Invitation.objects.filter(email="invitee@example.com").count() == 1
    assert len(mailoutbox) == 1
    assert "/accounts/invitations/" in mailoutbox[0].body


@pytest.mark.parametrize(
    "payload",
    [{"email": "not-an-email"}, {"email": "x@example.com", "role": "overlord"},
     {"email": "x@example.com", "password": "123"}],
)  # fmt: skip
def test_bad_member_payloads_answer_400_and_create_nothing(api_for, admin, payload):
    before = Membership.objects.count()
    response = api_for(admin).post("/api/v1/orgs/acme/members/", payload, format="json")
    assert response.status_code == 400
    assert Membership.objects.count() == before


def test_member_cannot_add_members(api_for, member):
    response = api_for(member).post("/api/v1/orgs/acme/members/", {"email": "z@example.com"})
    assert response.status_code == 403


def test_admin_moves_member_and_changes_role(api_for, admin, member, other_team):
    response = api_for(admin).patch(
        f"/api/v1/orgs/acme/members/{member.user_id}/",
        {"team": other_team.pk, "role": "manager"},
        format="json",
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert (member.team_id, member.role) == (other_team.pk, "manager")


def test_mass_assignment_of_identity_fields_is_ignored(api_for, admin, member):
    response = api_for(admin).patch(
        f"/api/v1/orgs/acme/members/{member.user_id}/",
        {"email": "stolen@example.com", "id": 999, "organization": 5},
        format="json",
    )
    assert response.status_code == 200
    member.user.refresh_from_db()
    assert member.user.email != "stolen@example.com"


def test_last_admin_cannot_be_demoted_or_deactivated(api_for, admin):
    url = f"/api/v1/orgs/acme/members/{admin.user_id}/"
    assert api_for(admin).patch(url, {"role": "member"}).status_code == 400
    assert api_for(admin).patch(url, {"active": False}).status_code == 400
    admin.refresh_from_db()
    assert admin.role == "admin"
    assert admin.active


def test_deactivation_revokes_tokens_and_org_access(api_for, admin, member):
    _instance, token = AuthToken.objects.create(user=member.user)
    response = api_for(admin).patch(
        f"/api/v1/orgs/acme/members/{member.user_id}/", {"active": False}, format="json"
    )
    assert response.status_code == 200
    assert not AuthToken.objects.filter(user=member.user).exists()
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/").status_code == 401
    assert api_for(member).get("/api/v1/orgs/acme/").status_code == 404


def test_member_list_filters_by_team_and_search(api_for, member, teammate, other_team_member, team):
    client = api_for(member)
    in_team = client.get(f"/api/v1/orgs/acme/members/?team={team.pk}").json()["results"]
    assert {m["id"] for m in in_team} == {member.user_id, teammate.user_id}
    found = client.get("/api/v1/orgs/acme/members/?search=olga").json()["results"]
    assert [m["id"] for m in found] == [other_team_member.user_id]
