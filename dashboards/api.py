"""`dashboards/team/<id>/`: the manager's team view as JSON (the page reads the same selector)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import rules
from accounts.models import Team
from dashboards import access
from dashboards.selectors import PERIOD_CHOICES, TeamDashboard, team_dashboard
from salesmgmt.api import OrgScopedAPIMixin, SupportedDateField

_GOAL = inline_serializer(
    "DashboardGoal",
    {
        "id": serializers.IntegerField(),
        "metric": serializers.CharField(),
        "target": serializers.DecimalField(max_digits=16, decimal_places=2),
        "actual": serializers.DecimalField(max_digits=16, decimal_places=2),
        "status": serializers.ChoiceField(
            choices=["ahead", "on_track", "behind", "at_risk", "done"]
        ),
    },
    many=True,
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
                "bottleneck": serializers.CharField(allow_null=True),
                "open_deals": serializers.IntegerField(),
                "stale_deals": serializers.IntegerField(),
                "overdue_next_steps": serializers.IntegerField(),
                "last_checkin": serializers.DateField(
                    allow_null=True, help_text="Always null until check-ins exist (motivation)."
                ),
            },
            many=True,
        ),
        "alerts": inline_serializer(
            "DashboardAlert",
            {
                "user": serializers.IntegerField(),
                "kind": serializers.CharField(),
                "detail": serializers.CharField(),
                "since": serializers.DateField(allow_null=True),
            },
            many=True,
        ),
    },
)


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
                "bottleneck": row.bottleneck,
                "open_deals": row.open_deals,
                "stale_deals": row.stale_deals,
                "overdue_next_steps": row.overdue_next_steps,
                "last_checkin": row.last_checkin,
            }
            for row in board.members
        ],
        "alerts": [
            {"user": a.user.pk, "kind": a.kind, "detail": a.detail, "since": a.since}
            for a in board.alerts
        ],
    }


class PeriodQuerySerializer(serializers.Serializer):
    """`?period=week|month|quarter&date=YYYY-MM-DD` of every dashboard, API and pages alike."""

    period = serializers.ChoiceField(
        choices=PERIOD_CHOICES,
        default="month",
        error_messages={"invalid_choice": gettext_lazy("Use week, month or quarter.")},
    )
    date = SupportedDateField(
        required=False, help_text=gettext_lazy("A day in the period; default today.")
    )


def parse_period(params: Any) -> tuple[str, date | None]:
    """`period` (week, month or quarter) and optional `date` from a query string (400 if bad).

    An empty parameter counts as absent, as a cleared date input sends it.
    """
    given = {name: params.get(name) for name in ("period", "date") if params.get(name)}
    query = PeriodQuerySerializer(data=given)
    query.is_valid(raise_exception=True)
    return query.validated_data["period"], query.validated_data.get("date")


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
        return Response(as_json(team_dashboard(self.org, team, kind=kind, on=day)))
