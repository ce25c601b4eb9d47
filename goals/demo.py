"""Demo goals: this fiscal year's revenue and new-visit goals, cascaded to teams and people."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from accounts import rules
from accounts.models import Membership, Organization, Team
from goals import services
from goals.models import Goal, Metric
from goals.sources import Scope, daily_values
from salesmgmt import periods


def seed_demo_goals(*, org: Organization) -> None:
    """Idempotent: an organisation that already has goals is left alone."""
    if Goal.objects.for_org(org).exists():
        return
    admin = (
        Membership.objects.for_org(org)
        .filter(rules.ADMIN_SEATS, active=True)
        .select_related("organization", "user")
        .first()
    )
    metrics = {m.key: m for m in Metric.objects.for_org(org)}
    if admin is None or "new_visit" not in metrics or "revenue" not in metrics:
        return
    today = periods.today(org)
    year = periods.fiscal_year_of(org, today)
    top_teams = list(Team.objects.for_org(org).filter(parent=None))
    if not top_teams:
        return

    # New visits: last year's pace plus 10%, split by last period's share, then to people.
    last_year = Scope(org_id=org.pk)
    history = daily_values(
        metrics["new_visit"], last_year, today - timedelta(days=365), today - timedelta(days=1)
    )
    yearly_visits = max(
        Decimal(1000), (sum(history.values(), Decimal(0)) * Decimal("1.1")).quantize(Decimal(1))
    )
    visits = services.create_goal(
        actor=admin,
        metric=metrics["new_visit"],
        scope=Goal.Scope.ORG,
        start=year.start,
        end=year.last,
        target=yearly_visits,
        title="New visits this fiscal year",
    )
    for team_goal in services.cascade_goal(
        actor=admin, goal=visits, to="teams", strategy="last_period"
    ):
        if Team.objects.for_org(org).filter(parent=team_goal.team).exists():
            continue  # a team with sub-teams: its goal covers them, its people have monthly ones
        if Membership.objects.for_org(org).filter(rules.SALESPEOPLE, team=team_goal.team).exists():
            services.cascade_goal(actor=admin, goal=team_goal, to="members", strategy="last_period")

    # Revenue: a yearly company target split evenly over the top-level teams.
    revenue = services.create_goal(
        actor=admin,
        metric=metrics["revenue"],
        scope=Goal.Scope.ORG,
        start=year.start,
        end=year.last,
        target=Decimal("150000000"),
        title="Revenue this fiscal year",
    )
    services.cascade_goal(actor=admin, goal=revenue, to="teams", strategy="even")

    # This month's new visits for every team without sub-teams, cascaded to its people.
    month = periods.month_of(today)
    for team in Team.objects.for_org(org).filter(children=None):
        members = Membership.objects.for_org(org).filter(rules.SALESPEOPLE, team=team, active=True)
        count = members.count()
        if not count:
            continue
        goal = services.create_goal(
            actor=admin,
            metric=metrics["new_visit"],
            scope=Goal.Scope.TEAM,
            team=team,
            start=month.start,
            end=month.last,
            target=Decimal(count * 60),
            title=f"{team.name}: new visits this month",
        )
        services.cascade_goal(actor=admin, goal=goal, to="members", strategy="even")
    # People who sit directly in a team with sub-teams get a monthly goal of their own.
    direct = (
        Membership.objects.for_org(org)
        .filter(rules.SALESPEOPLE, team__children__isnull=False, active=True)
        .select_related("user")
        .distinct()
    )
    for member in direct:
        services.create_goal(
            actor=admin,
            metric=metrics["new_visit"],
            scope=Goal.Scope.USER,
            user=member.user,
            start=month.start,
            end=month.last,
            target=Decimal(60),
            title=f"New visits this month · {member.user.display_name}",
        )
