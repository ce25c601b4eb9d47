"""Reads of the people core shared by pages, the API and other apps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounts.filters import MemberFilter
from accounts.models import (
    AuditEvent,
    ImportJob,
    Invitation,
    Membership,
    Organization,
    OrganizationDomain,
    Team,
    User,
    email_domain,
)
from accounts.rules import (
    SALESPEOPLE,
    TEAM_LEADERS,
    descendants,
    is_manager_or_admin,
    is_org_admin,
    managed_team_ids,
    members_visible_to,
    teams_visible_to,
)


def memberships_of(user: User) -> QuerySet[Membership]:
    """The user's active memberships, for the organisation switcher and `me/`."""
    return (
        Membership.objects.filter(user=user, active=True)
        .select_related("organization", "team")
        .order_by("organization__name")
    )


def default_membership(user: User) -> Membership | None:
    """The organisation a user lands in after signing in (their first, by name)."""
    return memberships_of(user).first()


def landing_url(membership: Membership) -> str:
    """Where a person lands after signing in, in their organisation: where they work.

    Admins: the organisation overview; a manager who leads at least one team: their team
    dashboard; everyone else (members, managers without a team yet): My day.
    """
    slug = membership.organization.slug
    if is_org_admin(membership):
        return reverse("dashboards:org_overview", kwargs={"org_slug": slug})
    if is_manager_or_admin(membership) and managed_team_ids(membership):
        return reverse("dashboards:team_home", kwargs={"org_slug": slug})
    return reverse("activities:my_day", kwargs={"org_slug": slug})


def teams_of(actor: Membership) -> QuerySet[Team]:
    """The teams the actor may see (`rules.teams_visible_to`: every team of their
    organisation) with their managers, parent and head-count."""
    return (
        teams_visible_to(actor)
        .select_related("parent")
        .prefetch_related(Prefetch("managers", queryset=User.objects.order_by("name", "username")))
        .annotate(member_count=Count("memberships", filter=Q(memberships__active=True)))
        .order_by("name")
    )


@dataclass(frozen=True)
class TeamNode:
    team: Team
    depth: int
    child_count: int


def team_tree(actor: Membership) -> list[TeamNode]:
    """The teams the actor sees in tree order (each parent before its children, siblings by
    name)."""
    teams = list(teams_of(actor))
    children: dict[int | None, list[Team]] = {}
    for team in teams:
        children.setdefault(team.parent_id, []).append(team)
    nodes: list[TeamNode] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for team in children.get(parent_id, []):
            nodes.append(TeamNode(team, depth, len(children.get(team.pk, []))))
            walk(team.pk, depth + 1)

    walk(None, 0)
    return nodes


def team_and_descendant_ids(org: Organization, team: Team | int) -> frozenset[int]:
    """A team's id plus the ids of every team below it (a team's numbers include these)."""
    team_id = team if isinstance(team, int) else team.pk
    parent_of = dict(Team.objects.for_org(org).values_list("id", "parent_id"))
    return descendants([team_id], parent_of)


def salespeople_in(org: Organization, team_ids: Iterable[int]) -> QuerySet[Membership]:
    """The active salespeople (not managers or admins) sitting in these teams."""
    return Membership.objects.for_org(org).filter(
        SALESPEOPLE, team_id__in=list(team_ids), active=True
    )


def salespeople_per_team(org: Organization) -> dict[int, int]:
    """Team id → how many active salespeople sit directly in it (sub-teams not included)."""
    rows = (
        Membership.objects.for_org(org)
        .filter(SALESPEOPLE, active=True, team__isnull=False)
        .values("team_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["team_id"]: row["n"] for row in rows}


def members_of(actor: Membership, *, team: Team | None = None) -> QuerySet[Membership]:
    """The member directory as the actor may see it (`rules.members_visible_to`), by the
    name shown; `team`: its members only (not sub-teams).

    Someone invited but not joined yet is shown by the name this organisation typed in its
    invitation, never by the name their account may carry elsewhere.
    """
    pending = Invitation.objects.filter(membership=OuterRef("pk")).pending()
    qs = (
        members_visible_to(actor)
        .select_related("user", "team")
        .annotate(
            invited=Exists(pending),
            pending_invitation_name=Subquery(pending.order_by("-created_at").values("name")[:1]),
        )
        # Sorted by the name shown, so a hidden name cannot be read off the order.
        .annotate(shown_name=Coalesce("pending_invitation_name", "user__name"))
        .order_by("shown_name", "user__email")
    )
    if team is not None:
        qs = qs.filter(team=team)
    return qs


def filter_members(
    actor: Membership,
    data: Mapping[str, Any] | None,
    queryset: QuerySet[Membership] | None = None,
    *,
    search_param: str = "search",
) -> MemberFilter:
    """The member directory narrowed by `data` (search, team, role, status)."""
    return MemberFilter(
        data,
        queryset=members_of(actor) if queryset is None else queryset,
        actor=actor,
        search_param=search_param,
    )


def eligible_managers(org: Organization) -> QuerySet[User]:
    """People who may lead a team: active managers and admins of the organisation."""
    leaders = Membership.objects.for_org(org).filter(TEAM_LEADERS, active=True)
    return User.objects.filter(pk__in=leaders.values("user_id")).order_by("name", "username")


def domains_of(org: Organization) -> QuerySet[OrganizationDomain]:
    """The organisation's e-mail domains, verified or waiting for their DNS record."""
    return OrganizationDomain.objects.for_org(org).order_by("domain")


def organization_owns_address(org: Organization, email: str) -> bool:
    """Whether `email` is on a domain the organisation has verified it controls."""
    domain = email_domain(email)
    if not domain:
        return False
    return (
        OrganizationDomain.objects.for_org(org)
        .filter(domain=domain, verified_at__isnull=False)
        .exists()
    )


def import_jobs_visible_to(actor: Membership) -> QuerySet[ImportJob]:
    """Import jobs the actor may follow (`rules.can_view_import_job`): own ones; admins all."""
    # The uploaded file can be megabytes: only the job runner reads it.
    jobs = ImportJob.objects.for_org(actor.organization_id).defer("content")
    if is_org_admin(actor):
        return jobs
    return jobs.filter(created_by_id=actor.user_id)


def audit_events_of(
    org: Organization,
    *,
    action: str = "",
    actor: User | None = None,
    target: str = "",
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[AuditEvent]:
    """The organisation's audit trail, newest first; dates are UTC days, both inclusive."""
    qs = AuditEvent.objects.filter(organization=org).select_related("actor").order_by("-at", "-pk")
    if action:
        qs = qs.filter(action=action)
    if actor is not None:
        qs = qs.filter(actor=actor)
    if target:
        qs = qs.filter(target__icontains=target)
    if start is not None:
        qs = qs.filter(at__gte=datetime.combine(start, time.min, tzinfo=UTC))
    if end is not None and end < date.max:
        qs = qs.filter(at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC))
    return qs


def audit_actors_of(org: Organization) -> QuerySet[User]:
    """Everyone who ever belonged to the organisation (the audit page's actor filter)."""
    return User.objects.filter(memberships__organization=org).order_by("name", "username")
