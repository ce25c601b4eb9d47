"""`dashboards/team/<id>/`: the manager's team view as JSON (the page reads the same selector)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import rules
from accounts.models import Organization, Team
from dashboards import access
from dashboards import cache as dashboard_cache
from dashboards.periods import PeriodQuerySerializer, parse_period
from dashboards.selectors import ColumnTarget, TeamDashboard, team_board, team_board_key
from goals.status import GoalStatus
from motivation import alerts
from salesmgmt.api import OrgScopedAPIMixin

_GOAL = inline_serializer(
    "DashboardGoal",
    {
        "id": serializers.IntegerField(),
        "metric": serializers.CharField(),
        "target": serializers.DecimalField(max_digits=16, decimal_places=2),
        "actual": serializers.DecimalField(max_digits=16, decimal_places=2),
        "status": serializers.ChoiceField(choices=GoalStatus.choices),
    },
    many=True,
)
_TARGETS = serializers.DictField(
    child=inline_serializer(
        "DashboardColumnTarget",
        {
            "target": serializers.DecimalField(max_digits=16, decimal_places=2),
            "basis": serializers.ChoiceField(
                choices=["goal", "share", "members"],
                help_text=(
                    "goal: the goal whose period is the view's; share: the view's share of the "
                    "longest goal containing it; members (team only): the sum of the members' "
                    "targets, no team goal applying. Never a sum of overlapping goals."
                ),
            ),
            "goal": serializers.IntegerField(allow_null=True),
            "label": serializers.CharField(),
        },
    ),
    help_text="Per activity type key: the target its count (same dates) is read against.",
)
_RESPONSE = inline_serializer(
    "TeamDashboard",
    {
        "team": serializers.IntegerField(),
        "period": inline_serializer(
            "DashboardPeriod", {"start": serializers.DateField(), "end": serializers.DateField()}
        ),
        "members": inline_serializer(
            "DashboardMember",
            {
                "user": serializers.IntegerField(),
                "name": serializers.CharField(),
                "goals": _GOAL,
                "activities": serializers.DictField(child=serializers.IntegerField()),
                "targets": _TARGETS,
                "bottleneck": serializers.CharField(allow_null=True),
                "open_deals": serializers.IntegerField(),
                "stale_deals": serializers.IntegerField(),
                "overdue_next_steps": serializers.IntegerField(),
                "last_checkin": serializers.DateField(
                    allow_null=True, help_text="The person's latest weekly check-in, or null."
                ),
                "last_one_on_one": serializers.DateField(
                    allow_null=True, help_text="The person's latest 1:1 that took place, or null."
                ),
            },
            many=True,
        ),
        "team_targets": _TARGETS,
        "alerts": inline_serializer(
            "DashboardAlert",
            {
                "user": serializers.IntegerField(),
                "kind": serializers.ChoiceField(
                    choices=[(k, k) for k in alerts.KINDS],
                    help_text="As in alerts/: the same rules decide both lists.",
                ),
                "detail": serializers.CharField(),
                "since": serializers.DateField(allow_null=True),
            },
            many=True,
        ),
    },
)


def _targets(targets: dict[str, ColumnTarget]) -> dict[str, dict[str, Any]]:
    return {
        key: {
            "target": str(chosen.target),
            "basis": chosen.basis,
            "goal": chosen.goal.pk if chosen.goal else None,
            "label": chosen.label,
        }
        for key, chosen in targets.items()
    }


def as_json(board: TeamDashboard) -> dict[str, Any]:
    """The contract's shape of a team dashboard."""
    return {
        "team": board.team.pk,
        "period": {"start": board.period.start, "end": board.period.last},
        "members": [
            {
                "user": row.user.pk,
                "name": row.user.display_name,
                "goals": [
                    {
                        "id": line.goal.pk,
                        "metric": line.goal.metric.key,
                        "target": str(line.goal.target),
                        "actual": str(line.progress.actual),
                        "status": line.progress.status,
                    }
                    for line in row.goals
                ],
                "activities": row.activities,
                "targets": _targets(row.targets),
                "bottleneck": row.bottleneck,
                "open_deals": row.open_deals,
                "stale_deals": row.stale_deals,
                "overdue_next_steps": row.overdue_next_steps,
                "last_checkin": row.last_checkin,
                "last_one_on_one": row.last_one_on_one,
            }
            for row in board.members
        ],
        "team_targets": _targets(board.team_targets),
        "alerts": [
            {"user": a.user.pk, "kind": a.kind, "detail": a.detail, "since": a.since}
            for a in board.alerts
        ],
    }


def team_board_json(
    org: Organization, team: Team, *, kind: str = "month", on: date | None = None
) -> dict[str, Any]:
    """`as_json` of the team's board, kept in the cache as plain data (reading it back costs
    a fraction of rebuilding the board's model instances); dropped with the board."""

    def compute() -> tuple[dict[str, Any], datetime | None]:
        board = team_board(org, team, kind=kind, on=on)
        return as_json(board), board.stale_from

    body, _stale_from = dashboard_cache.remembered(
        team_board_key(org, team, kind, on, "json"), compute, valid_until=lambda v: v[1]
    )
    return body


class TeamDashboardView(OrgScopedAPIMixin, APIView):
    """A team's members: goals and pace, activities, bottleneck, deals, and who needs attention."""

    @extend_schema(
        parameters=[PeriodQuerySerializer],
        responses=_RESPONSE,
    )
    def get(self, request: Request, org_slug: str, team_id: int) -> Response:
        team = get_object_or_404(Team.objects.for_org(self.org), pk=team_id)
        rules.require(access.can_view_team_dashboard(self.membership, team))
        kind, day = parse_period(request.query_params)
        return Response(team_board_json(self.org, team, kind=kind, on=day))
