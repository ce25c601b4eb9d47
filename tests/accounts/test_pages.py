"""The people pages as a user works with them: sign-in, home, teams, members, settings."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts import services
from accounts.models import Invitation, Membership, Organization, Team
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory

pytestmark = pytest.mark.django_db

SCRIPT_NAME = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG_NAME = "<img src=x onerror=alert(1)>"
IMG_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
CSRF_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


def text(response) -> str:
    return response.content.decode()


def template_names(response) -> list[str]:
    return [t.name for t in response.templates]


def without_csrf_tokens(response) -> str:
    return CSRF_TOKEN.sub("CSRF", text(response))


def listed_usernames(response) -> set[str]:
    return {m.user.username for m in response.context["page"].object_list}


# --- signing in ---------------------------------------------------------------------------


def test_the_login_page_renders_a_sign_in_form():
    response = Client().get("/accounts/login/")

    assert response.status_code == 200
    assert "registration/login.html" in template_names(response)
    assert 'name="username"' in text(response)
    assert 'name="password"' in text(response)
    assert "Forgot your password?" in text(response)


@pytest.mark.parametrize("identifier", ["username", "email", "upper-case email"])
def test_signing_in_with_username_or_email_lands_a_member_on_my_day(member, password, identifier):
    typed = {
        "username": member.user.username,
        "email": member.user.email,
        "upper-case email": member.user.email.upper(),
    }[identifier]

    response = Client().post(
        "/accounts/login/", {"username": typed, "password": password}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/o/acme/activities/"
    assert response.status_code == 200
    assert "activities/my_day.html" in template_names(response)
    assert "Acme Sales" in text(response)


def test_a_wrong_password_re_renders_the_form_with_an_error(member):
    response = Client().post(
        "/accounts/login/", {"username": member.user.username, "password": "nope-nope-nope"}
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_a_signed_in_user_opening_the_login_page_is_sent_on(client_for, member):
    response = client_for(member).get("/accounts/login/")

    assert response.status_code == 302


def test_anonymous_visitors_are_sent_to_sign_in_and_back(team):
    response = Client().get(f"/o/acme/teams/{team.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/o/acme/teams/{team.pk}/"


def test_someone_without_an_organisation_is_told_so(client_for, member):
    member.delete()
    client = Client()
    client.force_login(member.user, backend="accounts.backends.UsernameOrEmailBackend")

    response = client.get("/")

    assert response.status_code == 200
    assert "You are not in any organisation yet" in text(response)


# --- organisation home --------------------------------------------------------------------


def test_the_organisation_home_shows_role_team_and_counts(client_for, member, teammate, team):
    response = client_for(member).get("/o/acme/")

    assert response.status_code == 200
    assert response.context["member_count"] == 2
    assert "Member" in text(response)
    assert "Team: Tokyo" in text(response)
    assert "Pending invitations" not in text(response)


def test_the_organisation_home_shows_admins_pending_invitations(client_for, admin):
    services.add_member(actor=admin, email="newbie@example.com")

    response = client_for(admin).get("/o/acme/")

    assert response.context["pending_invitations"] == 1
    assert "Pending invitations" in text(response)


def test_a_manager_sees_the_teams_they_lead(client_for, manager, team, sub_team, other_team):
    response = client_for(manager).get("/o/acme/")

    assert "Teams you lead" in text(response)
    assert set(response.context["managed_team_ids"]) == {team.pk, sub_team.pk}


@pytest.fixture
def new_org_admin() -> Membership:
    org = OrganizationFactory(slug="newco", name="NewCo")
    return MembershipFactory(organization=org, role=Membership.Role.ADMIN)


def test_a_new_organisation_prompts_the_admin_to_create_teams(client_for, new_org_admin):
    response = client_for(new_org_admin).get("/o/newco/")

    assert "Start by creating your teams" in text(response)


# --- team tree ----------------------------------------------------------------------------


def test_the_team_tree_of_a_new_organisation_shows_the_empty_state(client_for, new_org_admin):
    response = client_for(new_org_admin).get("/o/newco/teams/")

    assert response.status_code == 200
    assert "No teams yet." in text(response)
    assert "Create the first one with the form." in text(response)


def test_members_see_the_tree_in_order_without_the_form(
    client_for, member, team, sub_team, other_team
):
    response = client_for(member).get("/o/acme/teams/")

    assert [(n.team.name, n.depth) for n in response.context["tree"]] == [
        ("Osaka", 0),
        ("Tokyo", 0),
        ("Tokyo Enterprise", 1),
    ]
    assert "team-depth-1" in text(response)
    assert "New team" not in text(response)


def test_admin_creates_a_team_with_a_normal_post(client_for, org, admin, team, manager):
    response = client_for(admin).post(
        "/o/acme/teams/",
        {"name": "Tokyo SMB", "parent": team.pk, "managers": [manager.user_id]},
        follow=True,
    )

    assert response.redirect_chain == [("/o/acme/teams/", 302)]
    created = Team.objects.for_org(org).get(name="Tokyo SMB")
    assert created.parent == team
    assert list(created.managers.all()) == [manager.user]
    assert "Team “Tokyo SMB” created." in text(response)


def test_admin_creates_a_team_with_htmx_and_gets_the_editor_back(client_for, org, admin, team):
    response = client_for(admin).post("/o/acme/teams/", {"name": "Nagoya"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert template_names(response)[0] == "accounts/_team_editor.html"
    assert "<html" not in text(response)
    assert "Nagoya" in [n.team.name for n in response.context["tree"]]
    assert "Team “Nagoya” created." in text(response)
    assert not response.context["form"].is_bound  # a fresh form for the next team
    assert Team.objects.for_org(org).filter(name="Nagoya").exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_duplicate_team_name_is_a_form_error_and_creates_nothing(
    client_for, org, admin, team, htmx
):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = client_for(admin).post("/o/acme/teams/", {"name": "  tokyo "}, **headers)

    assert response.status_code == 422
    assert "There is already a team called" in str(response.context["form"].errors["name"])
    assert Team.objects.for_org(org).count() == 1
    assert ("<html" in text(response)) is not htmx


def test_members_cannot_create_teams(client_for, org, member):
    response = client_for(member).post("/o/acme/teams/", {"name": "Rogue"})

    assert response.status_code == 403
    assert not Team.objects.for_org(org).filter(name="Rogue").exists()


# --- team detail --------------------------------------------------------------------------


def test_team_detail_lists_members_and_sub_teams(client_for, member, teammate, team, sub_team):
    response = client_for(member).get(f"/o/acme/teams/{team.pk}/")

    assert response.status_code == 200
    assert {m.user_id for m in response.context["members"]} == {member.user_id, teammate.user_id}
    assert list(response.context["sub_teams"]) == [sub_team]
    assert "Edit team" not in text(response)  # members read only


def test_admin_renames_a_team(client_for, admin, team):
    response = client_for(admin).post(f"/o/acme/teams/{team.pk}/", {"name": "Tokyo HQ"})

    assert response.status_code == 302
    team.refresh_from_db()
    assert team.name == "Tokyo HQ"


def test_admin_moves_a_team_under_another(client_for, admin, team, other_team):
    response = client_for(admin).post(
        f"/o/acme/teams/{other_team.pk}/", {"name": "Osaka", "parent": team.pk}
    )

    assert response.status_code == 302
    other_team.refresh_from_db()
    assert other_team.parent == team


def test_a_team_cannot_be_moved_under_its_own_sub_team(client_for, admin, team, sub_team):
    response = client_for(admin).post(
        f"/o/acme/teams/{team.pk}/", {"name": "Tokyo", "parent": sub_team.pk}
    )

    assert response.status_code == 422
    assert "parent" in response.context["form"].errors
    team.refresh_from_db()
    assert team.parent is None


def test_admin_assigns_managers(client_for, admin, team, manager, other_manager):
    response = client_for(admin).post(
        f"/o/acme/teams/{team.pk}/",
        {"name": "Tokyo", "managers": [other_manager.user_id, admin.user_id]},
    )

    assert response.status_code == 302
    assert set(team.managers.all()) == {other_manager.user, admin.user}


def test_a_plain_member_cannot_be_made_a_manager(client_for, admin, team, manager, member):
    response = client_for(admin).post(
        f"/o/acme/teams/{team.pk}/", {"name": "Tokyo", "managers": [member.user_id]}
    )

    assert response.status_code == 422
    assert "managers" in response.context["form"].errors
    assert list(team.managers.all()) == [manager.user]


def test_members_cannot_edit_a_team(client_for, member, team):
    response = client_for(member).post(f"/o/acme/teams/{team.pk}/", {"name": "Mine"})

    assert response.status_code == 403
    team.refresh_from_db()
    assert team.name == "Tokyo"


def test_admin_deletes_an_empty_team(client_for, org, admin, team, sub_team):
    response = client_for(admin).post(f"/o/acme/teams/{sub_team.pk}/delete/", follow=True)

    assert response.redirect_chain == [("/o/acme/teams/", 302)]
    assert not Team.objects.filter(pk=sub_team.pk).exists()
    assert "Team “Tokyo Enterprise” deleted." in text(response)


@pytest.mark.parametrize("reason", ["sub-teams", "members"])
def test_a_team_with_sub_teams_or_members_is_not_deleted(
    client_for, admin, team, sub_team, other_team, reason
):
    target = team if reason == "sub-teams" else other_team
    if reason == "members":
        MembershipFactory(organization=admin.organization, team=other_team)

    response = client_for(admin).post(f"/o/acme/teams/{target.pk}/delete/", follow=True)

    assert response.redirect_chain == [(f"/o/acme/teams/{target.pk}/", 302)]
    assert Team.objects.filter(pk=target.pk).exists()
    assert "first." in text(response)  # "Move … first." explains what to do


def test_members_cannot_delete_a_team(client_for, member, sub_team):
    assert client_for(member).post(f"/o/acme/teams/{sub_team.pk}/delete/").status_code == 403
    assert Team.objects.filter(pk=sub_team.pk).exists()


# --- member directory ---------------------------------------------------------------------


def test_the_member_list_is_paginated_by_25(client_for, org, admin):
    MembershipFactory.create_batch(30, organization=org)  # 31 with the admin

    first = client_for(admin).get("/o/acme/members/")
    second = client_for(admin).get("/o/acme/members/?page=2")

    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in text(first)
    assert "31 people" in text(first)
    assert len(second.context["page"].object_list) == 6
    assert listed_usernames(first).isdisjoint(listed_usernames(second))


def test_the_pagination_links_keep_the_filters(client_for, org, admin):
    MembershipFactory.create_batch(30, organization=org, role=Membership.Role.MANAGER)

    response = client_for(admin).get("/o/acme/members/?role=manager")

    assert "?role=manager&amp;page=2" in text(response)


@pytest.fixture
def directory(admin, manager, member, teammate, other_team_member, team):
    """Everyone in the cast, plus one invited and one deactivated person."""
    invited = services.add_member(actor=admin, email="invitee@example.com", team=team).membership
    gone = MembershipFactory(
        organization=admin.organization, team=team, active=False, user__username="gus"
    )
    return {"invited": invited, "gone": gone}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"ada", "mia", "sam", "tess", "olga", "invitee@example.com", "gus"}),
        ("team={team}", {"mia", "sam", "tess", "invitee@example.com", "gus"}),
        ("role=manager", {"mia"}),
        ("role=admin", {"ada"}),
        ("status=active", {"ada", "mia", "sam", "tess", "olga"}),
        ("status=invited", {"invitee@example.com"}),
        ("status=inactive", {"gus"}),
        ("q=TESS", {"tess"}),
        ("q=olga@example", {"olga"}),
        ("team={team}&status=active&role=member", {"sam", "tess"}),
    ],
)
def test_the_member_list_filters(client_for, admin, team, directory, query, expected):
    response = client_for(admin).get(f"/o/acme/members/?{query.format(team=team.pk)}")

    assert response.status_code == 200
    assert listed_usernames(response) == expected


def test_the_member_list_shows_status_badges(client_for, admin, directory):
    html = text(client_for(admin).get("/o/acme/members/"))

    assert "Invited" in html
    assert "Deactivated" in html
    assert "Active" in html


def test_htmx_gets_only_the_member_table(client_for, member, teammate):
    response = client_for(member).get("/o/acme/members/?q=tess", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert template_names(response)[0] == "accounts/_member_table.html"
    assert "<html" not in text(response)
    assert 'data-testid="member-table"' in text(response)
    assert listed_usernames(response) == {"tess"}


def test_every_member_filter_has_a_label(client_for, member):
    html = text(client_for(member).get("/o/acme/members/"))

    for field in ("q", "team", "role", "status"):
        assert f'<label class="visually-hidden" for="id_{field}">' in html, field
        assert f'id="id_{field}"' in html, field


def test_an_empty_result_says_so(client_for, member):
    response = client_for(member).get("/o/acme/members/?q=zzz-nobody")

    assert "Nobody matches these filters." in text(response)


def test_only_admins_see_the_add_member_button(client_for, admin, member):
    assert "Add or invite a member" in text(client_for(admin).get("/o/acme/members/"))
    assert "Add or invite a member" not in text(client_for(member).get("/o/acme/members/"))


# --- adding and inviting ------------------------------------------------------------------


def test_admin_adds_a_member_with_a_password_who_can_sign_in(client_for, org, admin, team):
    services.verify_domain_as_operator(org=org, domain="acme.example")
    response = client_for(admin).post(
        "/o/acme/members/new/",
        {"email": "rep@acme.example", "name": "Rita Rep", "role": "member", "team": team.pk,
         "password": "a-long-enough-password"},
        follow=True,
    )  # fmt: skip

    assert response.redirect_chain == [("/o/acme/members/", 302)]
    assert "rep@acme.example can sign in now." in text(response)
    membership = Membership.objects.for_org(org).get(user__email="rep@acme.example")
    assert (membership.active, membership.team, membership.user.name) == (True, team, "Rita Rep")
    login = Client().post(
        "/accounts/login/", {"username": "rep@acme.example", "password": "a-long-enough-password"}
    )
    assert login.status_code == 302


def test_admin_invites_a_member_by_email(
    client_for, org, admin, team, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            "/o/acme/members/new/",
            {"email": "newbie@example.com", "name": "", "role": "manager", "team": team.pk},
        )

    assert response.status_code == 302
    membership = Membership.objects.for_org(org).get(user__email="newbie@example.com")
    assert membership.active is False
    invitation = Invitation.objects.get(membership=membership)
    assert (invitation.role, invitation.team) == ("manager", team)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["newbie@example.com"]
    assert "Acme Sales" in mailoutbox[0].subject
    assert "/accounts/invitations/" in mailoutbox[0].body


def test_no_mail_goes_out_when_adding_fails(
    client_for, admin, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            "/o/acme/members/new/", {"email": member.user.email.upper(), "role": "member"}
        )

    assert response.status_code == 422
    assert "already a member" in str(response.context["form"].errors["email"])
    assert mailoutbox == []


def test_a_weak_initial_password_is_a_form_error(client_for, org, admin):
    services.verify_domain_as_operator(org=org, domain="acme.example")
    response = client_for(admin).post(
        "/o/acme/members/new/",
        {"email": "weak@acme.example", "role": "member", "password": "12345678"},
    )

    assert response.status_code == 422
    assert "too common" in str(response.context["form"].errors["password"])
    assert not Membership.objects.for_org(org).filter(user__email="weak@acme.example").exists()


# --- member detail ------------------------------------------------------------------------


def test_member_detail_shows_the_profile_to_everyone_and_the_form_to_admins(
    client_for, admin, member, teammate, team
):
    as_teammate = client_for(teammate).get(f"/o/acme/members/{member.user_id}/")
    as_admin = client_for(admin).get(f"/o/acme/members/{member.user_id}/")

    assert as_teammate.status_code == as_admin.status_code == 200
    assert member.user.email in text(as_teammate)
    assert "Role, team and access" not in text(as_teammate)
    assert "Role, team and access" in text(as_admin)


def test_admin_changes_a_members_role_and_team(client_for, admin, member, other_team):
    response = client_for(admin).post(
        f"/o/acme/members/{member.user_id}/",
        {"role": "manager", "team": other_team.pk, "active": "on"},
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.role, member.team, member.active) == ("manager", other_team, True)


def test_admin_deactivates_a_member_and_the_status_shows_it(client_for, admin, member, team):
    client = client_for(admin)

    response = client.post(
        f"/o/acme/members/{member.user_id}/", {"role": "member", "team": team.pk}
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.active is False
    page = client.get(f"/o/acme/members/{member.user_id}/")
    assert "Deactivated" in text(page)
    assert "Member saved." in text(page)


def test_the_last_admin_cannot_deactivate_themselves(client_for, admin):
    response = client_for(admin).post(f"/o/acme/members/{admin.user_id}/", {"role": "admin"})

    assert response.status_code == 422
    assert "at least one active admin" in str(response.context["form"].errors)
    admin.refresh_from_db()
    assert admin.active


def test_members_cannot_change_anyone(client_for, member, teammate):
    response = client_for(member).post(
        f"/o/acme/members/{teammate.user_id}/", {"role": "admin", "active": "on"}
    )

    assert response.status_code == 403
    teammate.refresh_from_db()
    assert teammate.role == "member"


def test_admin_resends_an_invitation(
    client_for, admin, team, mailoutbox, django_capture_on_commit_callbacks
):
    invited = services.add_member(actor=admin, email="late@example.com", team=team)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            f"/o/acme/members/{invited.membership.user_id}/resend-invitation/", follow=True
        )

    assert "A new invitation was sent." in text(response)
    invitations = Invitation.objects.filter(membership=invited.membership).order_by("created_at")
    assert invitations.count() == 2
    assert invitations[0].revoked_at is not None
    assert invitations[1].revoked_at is None
    assert [m.to for m in mailoutbox] == [["late@example.com"]]


def test_resending_to_someone_who_already_joined_is_refused(client_for, admin, member):
    response = client_for(admin).post(
        f"/o/acme/members/{member.user_id}/resend-invitation/", follow=True
    )

    assert "This member has already joined." in text(response)
    assert not Invitation.objects.exists()


def test_the_invited_member_page_offers_a_new_invitation(client_for, admin):
    invited = services.add_member(actor=admin, email="late@example.com")

    response = client_for(admin).get(f"/o/acme/members/{invited.membership.user_id}/")

    assert "Invited, not joined yet" in text(response)
    assert "Send a new invitation" in text(response)


# --- organisation settings ----------------------------------------------------------------

SETTINGS_FORM = {
    "name": "Acme KK",
    "timezone": "Europe/Berlin",
    "week_start": 6,
    "fiscal_year_start_month": 1,
    "country": "DE",
    "currency": "EUR",
    "stale_deal_days": 21,
    "language": "en",
}


def test_admin_changes_the_organisation_settings(client_for, org, admin):
    response = client_for(admin).post("/o/acme/settings/", SETTINGS_FORM, follow=True)

    assert response.redirect_chain == [("/o/acme/settings/", 302)]
    assert "Settings saved." in text(response)
    org.refresh_from_db()
    assert (org.name, org.timezone, org.week_start, org.country, org.currency) == (
        "Acme KK",
        "Europe/Berlin",
        6,
        "DE",
        "EUR",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("timezone", "Mars/Olympus"), ("country", "ZZ"), ("currency", "yen"),
     ("fiscal_year_start_month", 13)],
)  # fmt: skip
def test_a_bad_setting_is_a_form_error_and_nothing_changes(client_for, org, admin, field, value):
    response = client_for(admin).post("/o/acme/settings/", {**SETTINGS_FORM, field: value})

    assert response.status_code == 422
    assert field in response.context["form"].errors
    stored = Organization.objects.get(pk=org.pk)
    assert (stored.name, stored.timezone) == ("Acme Sales", "Asia/Tokyo")


# --- who may open what --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "manager"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/o/acme/settings/"),
        ("post", "/o/acme/settings/"),
        ("get", "/o/acme/members/new/"),
        ("post", "/o/acme/members/new/"),
        ("post", "/o/acme/teams/"),
        ("post", "/o/acme/teams/{team}/"),
        ("post", "/o/acme/teams/{sub_team}/delete/"),
        ("post", "/o/acme/members/{subject}/"),
        ("post", "/o/acme/members/{subject}/resend-invitation/"),
    ],
)
def test_non_admins_get_403_on_admin_actions(
    client_for, admin, member, manager, team, sub_team, teammate, role, method, path
):
    actor = {"member": member, "manager": manager}[role]
    url = path.format(team=team.pk, sub_team=sub_team.pk, subject=teammate.user_id)

    response = getattr(client_for(actor), method)(url, {"name": "X", "role": "admin"})

    assert response.status_code == 403
    assert "You cannot do that here" in text(response)


def org_pages(team: Team, member: Membership) -> list[str]:
    return [
        "/o/acme/",
        "/o/acme/settings/",
        "/o/acme/teams/",
        f"/o/acme/teams/{team.pk}/",
        "/o/acme/members/",
        "/o/acme/members/new/",
        f"/o/acme/members/{member.user_id}/",
    ]


def test_outsiders_get_the_same_404_as_for_a_missing_organisation(
    client_for, outsider, team, member
):
    client = client_for(outsider)
    missing = client.get("/o/no-such-org/")
    assert missing.status_code == 404

    for url in org_pages(team, member):
        response = client.get(url)
        assert response.status_code == 404, url
        assert without_csrf_tokens(response) == without_csrf_tokens(missing), url


def test_outsiders_cannot_post_to_another_organisation(client_for, org, outsider, team, member):
    client = client_for(outsider)

    assert client.post("/o/acme/teams/", {"name": "Hijack"}).status_code == 404
    assert client.post(f"/o/acme/teams/{team.pk}/delete/").status_code == 404
    assert client.post(f"/o/acme/members/{member.user_id}/", {"role": "admin"}).status_code == 404
    assert not Team.objects.filter(name="Hijack").exists()
    assert Team.objects.filter(pk=team.pk).exists()


def test_ids_of_another_organisation_are_404_inside_your_own(
    client_for, admin, outsider, outsider_team
):
    client = client_for(admin)

    assert client.get(f"/o/acme/teams/{outsider_team.pk}/").status_code == 404
    assert client.get(f"/o/acme/members/{outsider.user_id}/").status_code == 404
    assert client.post(f"/o/acme/teams/{outsider_team.pk}/delete/").status_code == 404
    assert Team.objects.filter(pk=outsider_team.pk).exists()


# --- escaping (S12) -----------------------------------------------------------------------


@pytest.fixture
def hostile(org, admin):
    """A team with a script for a name, led by a manager whose name is an <img onerror>."""
    person = MembershipFactory(organization=org, role=Membership.Role.MANAGER, user__name=IMG_NAME)
    team = TeamFactory(organization=org, name=SCRIPT_NAME, managers=[person.user])
    person.team = team
    person.save(update_fields=["team"])
    return team, person


def test_hostile_names_are_escaped_on_every_people_page(client_for, admin, hostile):
    team, person = hostile
    pages = [
        (admin, "/o/acme/teams/"),
        (admin, f"/o/acme/teams/{team.pk}/"),
        (admin, "/o/acme/members/"),
        (admin, "/o/acme/members/?q=img"),
        (admin, f"/o/acme/members/{person.user_id}/"),
        (person, "/o/acme/"),  # "Team: …" and "Teams you lead"
    ]

    for viewer, url in pages:
        html = text(client_for(viewer).get(url))
        assert SCRIPT_NAME not in html, url
        assert "<img src=x" not in html, url
        assert SCRIPT_ESCAPED in html, url
        if url != "/o/acme/":
            assert IMG_ESCAPED in html, url


def test_a_hostile_team_name_is_escaped_in_the_htmx_confirmation(client_for, org, admin):
    response = client_for(admin).post(
        "/o/acme/teams/", {"name": SCRIPT_NAME}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert SCRIPT_NAME not in text(response)
    assert f"Team “{SCRIPT_ESCAPED}” created." in text(response)
