"""S16: every security-relevant action leaves an audit row with actor, org, target and UTC."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import AuditEvent
from goals import services as goal_services
from tests.factories import MembershipFactory
from tests.goals.factories import MetricFactory

pytestmark = pytest.mark.django_db


def rows(action: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("pk"))


def only_row(action: str, **filters) -> AuditEvent:
    found = rows(action, **filters)
    assert len(found) == 1, [(e.action, e.organization_id, e.target) for e in found]
    return found[0]


def assert_recorded_now(event: AuditEvent) -> None:
    assert event.at.tzinfo is not None
    assert event.at.utcoffset() == timedelta(0)
    assert abs(timezone.now() - event.at) < timedelta(minutes=1)


# --- members and the organisation -----------------------------------------------------------


def test_a_role_change_records_who_changed_whom_from_what_to_what(admin, member, api_for):
    response = api_for(admin).patch(
        f"/api/v1/orgs/acme/members/{member.user_id}/", {"role": "manager"}
    )

    assert response.status_code == 200
    event = only_row("role_changed")
    assert event.actor_id == admin.user_id
    assert event.organization_id == admin.organization_id
    assert event.target == member.user.email
    assert event.detail == {"from": "member", "to": "manager"}
    assert_recorded_now(event)


def test_a_team_move_is_recorded_with_both_teams(admin, member, other_team, client_for):
    client_for(admin).post(
        f"/o/acme/members/{member.user_id}/",
        {"role": "member", "team": other_team.pk, "active": "on"},
    )

    event = only_row("team_changed")
    assert event.detail == {"from": "Tokyo", "to": "Osaka"}
    assert event.target == member.user.email


def test_deactivation_and_reactivation_are_recorded(admin, member):
    services.update_membership(actor=admin, membership=member, active=False)
    services.update_membership(actor=admin, membership=member, active=True)

    assert [e.action for e in AuditEvent.objects.order_by("pk")] == [
        "member_deactivated",
        "member_reactivated",
    ]


def test_nothing_is_recorded_when_nothing_changed(admin, member):
    services.update_membership(actor=admin, membership=member, role="member", active=True)

    assert not AuditEvent.objects.exists()


def test_a_refused_change_records_no_change(admin):
    with pytest.raises(Exception, match="at least one active admin"):
        services.update_membership(actor=admin, membership=admin, role="member")

    assert not AuditEvent.objects.filter(action="role_changed").exists()


def test_adding_and_inviting_members_are_recorded(admin, team):
    services.verify_domain_as_operator(org=admin.organization, domain="acme.example")
    services.add_member(actor=admin, email="new@acme.example", password="Vq7-maple-orbit-42")
    services.add_member(actor=admin, email="invitee@example.com", role="manager", team=team)

    added, invited = only_row("member_added"), only_row("member_invited")
    assert (added.target, added.detail) == ("new@acme.example", {"role": "member", "team": None})
    assert (invited.target, invited.detail) == (
        "invitee@example.com",
        {"role": "manager", "team": "Tokyo"},
    )
    assert added.actor_id == invited.actor_id == admin.user_id


def test_organisation_settings_changes_are_recorded_field_by_field(admin, api_for):
    response = api_for(admin).patch(
        "/api/v1/orgs/acme/", {"name": "Acme KK", "require_mfa_for_managers": True}
    )

    assert response.status_code == 200
    assert response.json()["require_mfa_for_managers"] is True
    event = only_row("org_settings_changed")
    assert event.detail == {
        "changes": {"name": ["Acme Sales", "Acme KK"], "require_mfa_for_managers": [False, True]}
    }


def test_the_settings_page_switches_two_factor_on_for_managers(admin, org, client_for):
    form = {
        "name": org.name,
        "timezone": org.timezone,
        "week_start": org.week_start,
        "fiscal_year_start_month": org.fiscal_year_start_month,
        "country": org.country,
        "currency": org.currency,
        "stale_deal_days": org.stale_deal_days,
        "language": org.language,
        "require_mfa_for_managers": "on",
    }

    response = client_for(admin).post("/o/acme/settings/", form)

    assert response.status_code == 302
    org.refresh_from_db()
    assert org.require_mfa_for_managers
    assert only_row("org_settings_changed").detail == {
        "changes": {"require_mfa_for_managers": [False, True]}
    }


# --- goals ---------------------------------------------------------------------------------


@pytest.fixture
def team_goal(admin, team, member, teammate):
    metric = MetricFactory(organization=admin.organization, key="calls")
    return goal_services.create_goal(
        actor=admin,
        metric=metric,
        scope="team",
        team=team,
        start=date(2030, 1, 1),
        end=date(2030, 1, 31),
        target=100,
        title="January calls",
    )


def test_setting_changing_splitting_and_deleting_a_goal_are_recorded(admin, team_goal):
    goal_services.update_goal(actor=admin, goal=team_goal, target=120, end=date(2030, 1, 30))
    children = goal_services.cascade_goal(actor=admin, goal=team_goal, to="members")
    goal_services.delete_goal(actor=admin, goal=team_goal)

    created, changed = only_row("goal_created"), only_row("goal_changed")
    cascaded, deleted = only_row("goal_cascaded"), only_row("goal_deleted")
    assert created.target == f"goal {team_goal.pk}: January calls (Tokyo)"
    assert created.detail == {"target_value": "100", "start": "2030-01-01", "end": "2030-01-31"}
    assert changed.detail == {
        "changes": {"target": ["100", "120"], "end": ["2030-01-31", "2030-01-30"]}
    }
    assert cascaded.detail["to"] == "members"
    assert cascaded.detail["children"] == 2
    assert deleted.detail["children"] == len(children)
    assert {e.actor_id for e in (created, changed, cascaded, deleted)} == {admin.user_id}


def test_a_managers_goal_edit_through_the_api_is_recorded(manager, team_goal, api_for):
    response = api_for(manager).patch(
        f"/api/v1/orgs/acme/goals/{team_goal.pk}/", {"target": "90", "version": 1}
    )

    assert response.status_code == 200
    event = only_row("goal_changed")
    assert event.actor_id == manager.user_id
    assert event.detail == {"changes": {"target": ["100", "90"]}}


# --- exports -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/o/acme/activities/export.csv",
        "/o/acme/deals/list/export.csv",
        "/api/v1/orgs/acme/activities/export/",
        "/api/v1/orgs/acme/deals/export/",
    ],
)
def test_every_export_is_recorded_with_its_filters(url, member, client_for, api_for):
    client = api_for(member) if url.startswith("/api/") else client_for(member)

    response = client.get(url, {"q": "=cmd"})

    assert response.status_code == 200
    event = only_row("export")
    assert (event.actor_id, event.organization_id, event.target) == (
        member.user_id,
        member.organization_id,
        url,
    )
    assert "cmd" in event.detail["query"]


# --- sign-in ---------------------------------------------------------------------------------


def test_a_failed_sign_in_is_recorded_in_each_organisation_of_the_account(member, other_org):
    MembershipFactory(organization=other_org, user=member.user)
    Client().post(
        "/accounts/login/",
        {"username": member.user.email.upper(), "password": "wrong-password-1"},
        REMOTE_ADDR="203.0.113.9",
    )

    events = rows("login_failed")
    assert {e.organization_id for e in events} == {member.organization_id, other_org.pk}
    assert {e.target for e in events} == {member.user.email}
    assert {e.ip_address for e in events} == {"203.0.113.9"}
    assert all(e.actor_id is None for e in events)


def test_a_failed_token_login_is_recorded_the_same_way(member):
    APIClient().post(
        "/api/v1/auth/token/",
        {"username": member.user.username, "password": "wrong-password-1"},
        format="json",
    )

    event = only_row("login_failed")
    assert (event.organization_id, event.target) == (member.organization_id, member.user.email)
    assert event.detail == {"path": "/api/v1/auth/token/"}


def test_a_failed_sign_in_of_an_unknown_name_belongs_to_no_organisation(org):
    Client().post("/accounts/login/", {"username": "Nobody", "password": "wrong-password-1"})

    event = only_row("login_failed")
    assert (event.organization_id, event.target) == (None, "nobody")


def test_a_lockout_is_recorded(member):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            "/accounts/login/",
            {"username": member.user.username, "password": "wrong-password-1"},
            REMOTE_ADDR="203.0.113.9",
        )

    event = rows("login_locked_out")[0]
    assert (event.organization_id, event.target) == (member.organization_id, member.user.email)


# --- refused requests ---------------------------------------------------------------------


def test_a_forbidden_page_is_recorded_in_the_organisation(member, client_for):
    response = client_for(member).get("/o/acme/settings/")

    assert response.status_code == 403
    event = only_row("access_denied")
    assert (event.actor_id, event.organization_id, event.target) == (
        member.user_id,
        member.organization_id,
        "/o/acme/settings/",
    )
    assert event.detail == {"method": "GET", "reason": "forbidden"}


def test_a_forbidden_api_call_is_recorded_in_the_organisation(member, api_for):
    response = api_for(member).patch("/api/v1/orgs/acme/", {"name": "Mine now"})

    assert response.status_code == 403
    event = only_row("access_denied")
    assert (event.actor_id, event.organization_id) == (member.user_id, member.organization_id)


def test_probing_another_organisation_is_recorded_without_telling_that_organisation(
    outsider, client_for, org
):
    response = client_for(outsider).get("/o/acme/members/")

    assert response.status_code == 404
    event = only_row("access_denied")
    assert (event.actor_id, event.organization_id) == (outsider.user_id, None)
    assert event.detail["reason"] == "not a member of this organisation"


def test_a_missing_object_is_not_an_audit_row(member, client_for):
    response = client_for(member).get("/o/acme/teams/987654/")

    assert response.status_code == 404
    assert not AuditEvent.objects.exists()


def test_hammering_a_forbidden_page_records_a_bounded_number_of_rows(
    member, client_for, time_machine
):
    time_machine.move_to("2030-06-03T10:00:01+00:00", tick=False)  # one window of the limit
    client = client_for(member)

    statuses = {client.get("/o/acme/settings/").status_code for _ in range(35)}

    assert statuses == {403}
    assert AuditEvent.objects.filter(action="access_denied").count() == 30


def test_an_audit_failure_never_turns_a_refusal_into_an_error(member, client_for, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr("accounts.security_log.record_event", broken)

    response = client_for(member).get("/o/acme/settings/")

    assert response.status_code == 403


# --- nothing in the app edits the trail -----------------------------------------------------


def test_the_django_admin_shows_the_trail_read_only(client_for, member):
    from types import SimpleNamespace

    from tests.factories import UserFactory

    event = AuditEvent.objects.create(action="role_changed", target=member.user.email)
    staff = SimpleNamespace(user=UserFactory(is_staff=True, is_superuser=True))
    client = client_for(staff)

    page = client.get(f"/admin/accounts/auditevent/{event.pk}/change/")
    edit = client.post(f"/admin/accounts/auditevent/{event.pk}/change/", {"target": "x"})
    delete = client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"})
    add = client.get("/admin/accounts/auditevent/add/")

    assert page.status_code == 200
    assert 'name="target"' not in page.content.decode()
    assert (edit.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    event.refresh_from_db()
    assert event.target == member.user.email
    assert AuditEvent.objects.filter(pk=event.pk).exists()
