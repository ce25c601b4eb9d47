"""API for goals: metrics, goals with their progress, cascades, breakdowns, the cascade tree.

Serializers only shape data; who may set, change or split a goal is decided in
`goals.access` (asked by the services, the same calls the pages make), what a caller may
read by `goals.access.goals_visible_to`. A goal the caller cannot see answers 404, one it may
see but not change 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import rules
from accounts.models import Team
from activities.models import ActivityType
from goals import access, selectors, services
from goals.filters import GoalFilter
from goals.models import Goal, Metric
from goals.status import GoalStatus
from salesmgmt import periods
from salesmgmt.api import (
    OrgScopedAPIMixin,
    OrgScopedKeyField,
    OrgScopedPrimaryKeyField,
    OrgUserField,
    SupportedDateField,
)
from salesmgmt.schema import CONFLICT


def amount_field(**kwargs: Any) -> serializers.DecimalField:
    """Targets, actuals and sums share the model's precision, so a client can add them up."""
    return serializers.DecimalField(max_digits=18, decimal_places=2, **kwargs)


# --- fields -------------------------------------------------------------------------------


class VisibleGoalField(serializers.PrimaryKeyRelatedField):
    """A goal id the caller may read; any other id answers like a missing one."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Goal.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Goal]:
        membership = self.context.get("membership")
        if membership is None:
            return Goal.objects.none()
        return access.goals_visible_to(membership)


# --- metrics ------------------------------------------------------------------------------


class MetricSerializer(serializers.ModelSerializer):
    activity_types = OrgScopedKeyField(
        model=ActivityType,
        many=True,
        required=False,
        help_text="Keys of the activity types an `activity` metric counts.",
    )

    class Meta:
        model = Metric
        fields = ["id", "key", "name", "unit", "source", "activity_types"]


class MetricViewSet(
    OrgScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """What goals can count. Everyone in the organisation reads; admins define new ones."""

    serializer_class = MetricSerializer
    lookup_url_kwarg = "metric_id"
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Metric]:
        if self.is_schema_generation:
            return Metric.objects.none()
        metrics = Metric.objects.for_org(self.org).prefetch_related("activity_types")
        return metrics.order_by("name", "id")

    @extend_schema(request=MetricSerializer, responses={201: MetricSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Asked before validating, so that a caller without the right learns nothing more.
        rules.require(access.can_define_metrics(self.membership))
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        metric = services.create_metric(
            actor=self.membership,
            key=values["key"],
            name=values["name"],
            source=values["source"],
            unit=values.get("unit", "count"),
            activity_types=values.get("activity_types", []),
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=metric.pk)).data,
            status=status.HTTP_201_CREATED,
        )


# --- goals --------------------------------------------------------------------------------


class ProgressSerializer(serializers.Serializer):
    actual = amount_field()
    attainment = serializers.FloatField(help_text="actual / target (1.0 = reached).")
    expected_to_date = amount_field(
        help_text="The share of the target due by today along working days."
    )
    projected = amount_field(help_text="The actual at the end of the period at the current pace.")
    needed_per_working_day = amount_field()
    status = serializers.ChoiceField(choices=GoalStatus.choices)


class GoalSerializer(serializers.ModelSerializer):
    """A goal as read, and the body that sets one (POST)."""

    metric = OrgScopedKeyField(model=Metric, help_text="The metric's key.")
    team = OrgScopedPrimaryKeyField(model=Team, allow_null=True, required=False)
    user = OrgUserField(allow_null=True, required=False)
    parent = VisibleGoalField(  # type: ignore[assignment]
        allow_null=True, required=False, help_text="The goal this one was split from."
    )
    target = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        help_text="A positive amount (whole units for count metrics); string or number.",
    )
    start = SupportedDateField()
    end = SupportedDateField(help_text="Inclusive.")
    progress = serializers.SerializerMethodField()
    closed = serializers.SerializerMethodField()
    result = serializers.ChoiceField(
        choices=Goal.Result.choices,
        allow_blank=True,
        read_only=True,
        help_text="Once the period has closed: reached or missed; empty while open.",
    )

    class Meta:
        model = Goal
        fields = [
            "id",
            "title",
            "metric",
            "scope",
            "team",
            "user",
            "start",
            "end",
            "target",
            "parent",
            "progress",
            "version",
            "closed",
            "result",
        ]
        read_only_fields = ["version", "result"]

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, goal: Goal) -> dict[str, Any]:
        today = self.context.get("today") or periods.today(goal.organization)
        progress = selectors.progress_of(goal, today=today, days_off=self.context.get("days_off"))
        return dict(ProgressSerializer(progress).data)

    def get_closed(self, goal: Goal) -> bool:
        """True once the period has ended and the result is final."""
        return goal.closed_at is not None


class GoalUpdateSerializer(serializers.Serializer):
    """What a PATCH may change; `version` is the one the client read (stale → 409)."""

    title = serializers.CharField(max_length=200, allow_blank=True, required=False)
    target = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    start = SupportedDateField(required=False)
    end = SupportedDateField(required=False, help_text="Inclusive.")
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The goal's version as read; when it changed meanwhile the answer is 409.",
    )


class CascadeSerializer(serializers.Serializer):
    to = serializers.ChoiceField(
        choices=services.CASCADE_TARGETS,
        help_text="`teams`: the goal's child teams (top-level teams for an org goal); "
        "`members`: the active members of a team goal's team.",
    )
    strategy = serializers.ChoiceField(choices=services.CASCADE_STRATEGIES, default="even")
    weights = serializers.DictField(
        child=serializers.FloatField(),
        required=False,
        help_text="For `weights`: team id or user id → a number ≥ 0; ids left out get 0.",
    )

    def validate_weights(self, value: dict[str, float]) -> dict[str, float]:
        if any(v != v or v in (float("inf"), float("-inf")) for v in value.values()):
            raise serializers.ValidationError(_("Weights must be finite numbers."))
        return value


class BreakdownQuerySerializer(serializers.Serializer):
    grain = serializers.ChoiceField(choices=["month", "week", "day"], default="month")


class BreakdownRowSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text="Inclusive.")
    target = amount_field()
    actual = amount_field()


class TreeNodeSerializer(serializers.Serializer):
    goal = serializers.SerializerMethodField()
    depth = serializers.IntegerField()
    children_sum = amount_field(allow_null=True)
    gap = amount_field(allow_null=True, help_text="children_sum - target; null without children.")

    @extend_schema_field(GoalSerializer)
    def get_goal(self, node: selectors.TreeNode) -> dict[str, Any]:
        return dict(GoalSerializer(node.goal, context=self.context).data)


class GoalViewSet(
    OrgScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Goals of the organisation, its teams and its people, with their progress.

    Everyone reads company goals, their own and their team's; managers also those of
    the teams they lead and their people; admins all. Admins set any goal, managers
    those of their teams and their teams' members.
    """

    serializer_class = GoalSerializer
    filterset_class = GoalFilter
    lookup_url_kwarg = "goal_id"
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Goal]:
        if self.is_schema_generation:
            return Goal.objects.none()
        return access.goals_visible_to(self.membership).select_related("organization")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if getattr(self, "org", None) is not None:
            context["today"] = periods.today(self.org)
        return context

    def _render(self, goals: list[Goal]) -> Any:
        """Serialize goals with one days-off read for all of them (constant queries)."""
        context = self.get_serializer_context()
        context["days_off"] = selectors.days_off_for(self.org, goals)
        return GoalSerializer(goals, many=True, context=context).data

    def _fresh(self, goal_ids: list[int]) -> list[Goal]:
        """Goals just written, re-read with their stored progress."""
        return list(
            Goal.objects.for_org(self.org)
            .filter(pk__in=goal_ids)
            .select_related("metric", "team", "user", "progress_row", "parent", "organization")
            .order_by("id")
        )

    def _require_edit(self, goal: Goal) -> None:
        # Refused before the body is validated; the service asks the same rule again.
        rules.require(access.can_edit_goal(self.membership, goal))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._render(list(page or [])))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._render([self.get_object()])[0])

    @extend_schema(request=GoalSerializer, responses={201: GoalSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        goal = services.create_goal(actor=self.membership, **data.validated_data)
        return Response(self._render(self._fresh([goal.pk]))[0], status=status.HTTP_201_CREATED)

    @extend_schema(
        request=GoalUpdateSerializer,
        responses={200: GoalSerializer, 409: CONFLICT},
        description="Change a goal; a stale `version` answers 409.",
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        goal = self.get_object()
        self._require_edit(goal)
        data = GoalUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        version = changes.pop("version", None)
        services.update_goal(actor=self.membership, goal=goal, version=version, **changes)
        return Response(self._render(self._fresh([goal.pk]))[0])

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        goal = self.get_object()
        self._require_edit(goal)
        services.delete_goal(actor=self.membership, goal=goal)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=CascadeSerializer,
        responses={201: GoalSerializer(many=True), 409: CONFLICT},
        description="Split the goal into one child per child team or team member, same metric "
        "and period; the children's targets sum exactly to the goal's. A goal is split once: "
        "a second cascade answers 409.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def cascade(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        goal = self.get_object()
        self._require_edit(goal)
        data = CascadeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        children = services.cascade_goal(
            actor=self.membership,
            goal=goal,
            to=values["to"],
            strategy=values["strategy"],
            weights=values.get("weights"),
        )
        return Response(
            self._render(self._fresh([c.pk for c in children])), status=status.HTTP_201_CREATED
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("grain", str, enum=["month", "week", "day"], default="month"),
        ],
        responses={200: BreakdownRowSerializer(many=True)},
        description="The target spread over months, weeks or days along working days "
        "(summing exactly to the goal's target), with the actual of each part.",
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def breakdown(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        goal = self.get_object()
        query = BreakdownQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.breakdown(goal, query.validated_data["grain"])
        return Response(BreakdownRowSerializer(rows, many=True).data)

    @extend_schema(
        responses={200: TreeNodeSerializer(many=True)},
        description="The goal and its cascaded descendants in tree order (those the caller "
        "may read), with each node's depth, the sum of its children's targets and the gap.",
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def tree(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        root = self.get_object()
        nodes = selectors.cascade_tree(root)
        ids = [node.goal.pk for node in nodes]
        visible = set(self.get_queryset().filter(pk__in=ids).values_list("pk", flat=True))
        nodes = [n for n in nodes if n.goal.pk in visible]
        for node in nodes:
            node.goal.organization = self.org  # the same row: spares a query per node
        context = self.get_serializer_context()
        context["days_off"] = selectors.days_off_for(self.org, [n.goal for n in nodes])
        return Response(TreeNodeSerializer(nodes, many=True, context=context).data)
