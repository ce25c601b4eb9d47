"""API of the activities app: activity types, the activity log, CSV import/export, stats.

Serializers here only shape and parse; every write is a call to `activities.services` and
every read comes from `activities.selectors`, so pages and API share one set of rules.
An activity the caller may not see answers 404 exactly like a missing one; one they may
see but not change answers 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from accounts import rules
from accounts.audit import record_event
from accounts.imports import submit_import
from accounts.models import Membership, Team, User
from activities import access, csv_export, selectors, services
from activities.filters import ActivityFilter
from activities.models import MAX_QUANTITY, Activity, ActivityType
from salesmgmt import periods
from salesmgmt.api import (
    OrgScopedAPIMixin,
    OrgScopedPrimaryKeyField,
    OrgUserField,
    PrototypeFieldsMixin,
    SupportedDateField,
    SupportedDateTimeField,
)
from salesmgmt.csv_api import (
    IMPORT_PARSERS,
    CSVRenderer,
    import_response,
    import_schema,
    read_csv_upload,
)
from salesmgmt.tenancy import resolve_membership

MAX_ID = 2**63 - 1  # larger ids overflow the database's integer column


# --- throttling (QUALITY S15) -------------------------------------------------------------


class AuditedThrottleMixin:
    """Per-action scoped rate limits; a refused request answers 429 and leaves an audit row.

    Set `throttle_scopes` to {action name: scope in DEFAULT_THROTTLE_RATES}; other actions
    are not throttled.
    """

    throttle_classes: Sequence[type[BaseThrottle]] = [ScopedRateThrottle]
    throttle_scopes: dict[str, str] = {}
    kwargs: dict[str, Any]

    @property
    def throttle_scope(self) -> str | None:
        return self.throttle_scopes.get(getattr(self, "action", None) or "")

    def throttled(self, request: Request, wait: float) -> NoReturn:
        # Throttles run before the organisation is resolved, so look it up for the record.
        membership = getattr(self, "membership", None) or resolve_membership(
            request.user, self.kwargs.get("org_slug", "")
        )
        user = request.user if request.user.is_authenticated else None
        record_event(
            action="throttled",
            actor=user,
            organization=membership.organization_id if membership else None,
            target=request.path,
            request=request,
            method=request.method,
            scope=self.throttle_scope,
        )
        raise exceptions.Throttled(wait)


# --- shared query parameters --------------------------------------------------------------


def _date_range_fields(*, required: bool) -> dict[str, serializers.Field]:
    # `from` is a Python keyword, so these fields are added by name rather than declared.
    return {
        "from": SupportedDateField(
            required=required, help_text=gettext_lazy("First local date, inclusive.")
        ),
        "to": SupportedDateField(
            required=required, help_text=gettext_lazy("Last local date, inclusive.")
        ),
    }


def _check_range(attrs: dict[str, Any]) -> None:
    """The one date-range limit (`periods.validate_filter_range`), as a 400 on `to`."""
    try:
        periods.validate_filter_range(attrs.get("from"), attrs.get("to"))
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"to": exc.messages}) from exc


class ActivityFilterBackend(DjangoFilterBackend):
    """The activity log's one FilterSet, built by `selectors.filter_activities` for the caller."""

    def get_filterset(self, request: Any, queryset: QuerySet[Any], view: Any) -> Any:
        return selectors.filter_activities(view.membership, request.query_params, queryset=queryset)


# --- activity types -----------------------------------------------------------------------


FUNNEL_ORDER_KWARGS = {"min_value": 1, "max_value": 100}


class ActivityTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActivityType
        fields = ["id", "key", "name", "funnel_order", "active"]
        extra_kwargs = {"funnel_order": FUNNEL_ORDER_KWARGS}


class ActivityTypeUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActivityType
        fields = ["key", "name", "funnel_order", "active"]
        extra_kwargs = {
            "key": {"required": False, "help_text": gettext_lazy("Fixed once created.")},
            "funnel_order": FUNNEL_ORDER_KWARGS,
        }


class ActivityTypeViewSet(
    OrgScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The organisation's activity types. Everyone reads; admins add and change them."""

    serializer_class = ActivityTypeSerializer
    lookup_url_kwarg = "type_id"
    lookup_value_regex = "[0-9]+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ActivityType]:
        if self.is_schema_generation:
            return ActivityType.objects.none()
        return selectors.activity_types(self.org)

    @extend_schema(request=ActivityTypeSerializer, responses={201: ActivityTypeSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rules.require(access.can_manage_activity_types(self.membership))
        data = ActivityTypeSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        activity_type = services.create_activity_type(actor=self.membership, **data.validated_data)
        return Response(ActivityTypeSerializer(activity_type).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ActivityTypeUpdateSerializer, responses=ActivityTypeSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        activity_type = self.get_object()
        rules.require(access.can_manage_activity_types(self.membership))
        data = ActivityTypeUpdateSerializer(
            activity_type, data=request.data, partial=True, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if changes.get("key", activity_type.key) == activity_type.key:
            changes.pop("key", None)  # sending the unchanged key is harmless
        activity_type = services.update_activity_type(
            actor=self.membership, activity_type=activity_type, **changes
        )
        return Response(ActivityTypeSerializer(activity_type).data)


# --- the activity log ---------------------------------------------------------------------


class ActivityLocationSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)


class _OrgTimeMixin:
    """Datetimes in and out in the organisation's time zone (an offset-less input is local)."""

    time_fields: tuple[str, ...] = ()
    context: dict[str, Any]
    fields: Any

    def _use_org_time_zone(self) -> None:
        org = self.context.get("org")
        if org is None:
            return
        for name in self.time_fields:
            if name in self.fields:
                self.fields[name].timezone = org.tzinfo


class ActivitySerializer(PrototypeFieldsMixin, _OrgTimeMixin, serializers.ModelSerializer):
    """An activity as the API shows it (everything here is read-only)."""

    type: serializers.SlugRelatedField[ActivityType] = serializers.SlugRelatedField(
        slug_field="key", read_only=True, help_text=gettext_lazy("Activity type key.")
    )
    location = ActivityLocationSerializer(read_only=True, allow_null=True)
    time_fields = ("occurred_at", "created_at")

    class Meta:
        model = Activity
        fields = [
            "id",
            "user",
            "team",
            "type",
            "occurred_at",
            "local_date",
            "quantity",
            "note",
            "deal",
            "accompanied_by",
            "observation",
            "follow_up",
            "location",
            "created_at",
        ]
        read_only_fields = fields

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._use_org_time_zone()


class ActivityWriteSerializer(PrototypeFieldsMixin, _OrgTimeMixin, serializers.Serializer):
    """What a client may send to log or edit an activity.

    `user`, `team`, `local_date` and the bookkeeping fields are not accepted from input:
    an activity is logged for the caller (admins may name another member in `user`).
    """

    user = OrgUserField(
        required=False, help_text=gettext_lazy("Admins only: log for this member (user id).")
    )
    type = serializers.CharField(max_length=40, help_text=gettext_lazy("Activity type key."))
    occurred_at = SupportedDateTimeField(
        required=False,
        help_text=gettext_lazy(
            "When it happened, ISO 8601; without an offset it is the organisation's local "
            "time. Default now."
        ),
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    deal = OrgScopedPrimaryKeyField(
        # The model from the foreign key: activities does not import the deals app.
        model=Activity._meta.get_field("deal").related_model,
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": gettext_lazy("Unknown deal.")},
        help_text=gettext_lazy("A deal the caller works on (id), or null."),
    )
    accompanied_by = OrgUserField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("The manager who went along (user id)."),
    )
    observation = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text=gettext_lazy("The accompanying manager's observation."),
    )
    follow_up = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    location = ActivityLocationSerializer(required=False, allow_null=True)
    time_fields = ("occurred_at",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._use_org_time_zone()


def _service_arguments(values: dict[str, Any]) -> dict[str, Any]:
    """Validated input → keyword arguments of `log_activity` / `update_activity`."""
    values = dict(values)
    if "location" in values:
        location = values.pop("location")
        values["latitude"] = location["lat"] if location else None
        values["longitude"] = location["lon"] if location else None
    return values


@extend_schema_view(
    retrieve=extend_schema(responses=ActivitySerializer),
    destroy=extend_schema(responses={204: None}),
)
class ActivityViewSet(AuditedThrottleMixin, OrgScopedAPIMixin, viewsets.GenericViewSet):
    """The activity log: members see their own, managers their teams', admins everything."""

    serializer_class = ActivitySerializer
    lookup_url_kwarg = "activity_id"
    lookup_value_regex = "[0-9]+"
    filter_backends = [ActivityFilterBackend]
    filterset_class = ActivityFilter
    throttle_scopes = {
        "create": "activity_write",
        "partial_update": "activity_write",
        "destroy": "activity_write",
        "import_csv": "activity_write",
        "export": "activity_export",
    }

    def get_queryset(self) -> QuerySet[Activity]:
        if self.is_schema_generation:
            return Activity.objects.none()
        return access.activities_visible_to(self.membership)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The list and the export are filtered (400 on bad values); one activity is not."""
        if self.action in ("list", "export"):
            return super().filter_queryset(queryset)
        return queryset

    def _owner_for(self, user: User | None) -> User | None:
        """The member to log for, if not the caller; 400 unless the rules allow it."""
        if user is None or user.pk == self.membership.user_id:
            return None
        subject = Membership.objects.for_org(self.org).filter(user=user, active=True).first()
        if subject is None or not access.can_log_for(self.membership, subject):
            raise serializers.ValidationError(
                {"user": [_("You may not log activities for this member.")]}
            )
        return user

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = self.get_serializer(page, many=True).data
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=ActivityWriteSerializer, responses={201: ActivitySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ActivityWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = _service_arguments(data.validated_data)
        owner = self._owner_for(values.pop("user", None))
        activity = services.log_activity(actor=self.membership, user=owner, **values)
        return Response(self.get_serializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ActivityWriteSerializer, responses=ActivitySerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        activity = self.get_object()
        rules.require(
            access.can_edit_activity(self.membership, activity)
            or access.can_annotate_activity(self.membership, activity)
        )
        data = ActivityWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        changes = _service_arguments(data.validated_data)
        if "user" in changes:
            new_owner = changes.pop("user")
            if new_owner.pk != activity.user_id:
                changes["user"] = self._owner_for(new_owner)
        activity = services.update_activity(actor=self.membership, activity=activity, **changes)
        return Response(self.get_serializer(activity).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.delete_activity(actor=self.membership, activity=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @import_schema(what="activities", columns=",".join(services.IMPORT_COLUMNS))
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=IMPORT_PARSERS,
    )
    def import_csv(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        content = read_csv_upload(request)
        outcome = submit_import(
            actor=self.membership, kind=services.ActivityImporter.kind, content=content
        )
        return import_response(outcome, context=self.get_serializer_context())

    @extend_schema(
        filters=True,
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description=(
                    "CSV columns: " + ", ".join(csv_export.ACTIVITY_COLUMNS) + ". Cells that "
                    "start with = + - @ tab or CR are prefixed with ' (formula neutralised)."
                ),
            ),
            400: OpenApiResponse(
                description=f"Bad filters, or more than {settings.EXPORT_MAX_ROWS} rows."
            ),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="export",
        url_name="export",
        renderer_classes=[renderers.JSONRenderer, CSVRenderer],
        pagination_class=None,
    )
    def export(self, request: Request, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        filename = f"activities-{self.org.slug}-{periods.today(self.org).isoformat()}.csv"
        record_event(
            action="export",
            actor=self.membership.user_id,
            organization=self.org,
            target=request.path,
            request=request,
            query=request.GET.urlencode()[:500],
        )
        return csv_export.activities_csv_response(
            self.filter_queryset(self.get_queryset()), tzinfo=self.org.tzinfo, filename=filename
        )


# --- stats --------------------------------------------------------------------------------


class ActivityStatsQuerySerializer(serializers.Serializer):
    """The statistics' own parameters; `from`, `to` and `type` are the activity filters'."""

    scope = serializers.ChoiceField(choices=["user", "team", "org"])
    id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    grain = serializers.ChoiceField(choices=["day", "week", "month"])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["scope"] in ("user", "team") and attrs.get("id") is None:
            raise serializers.ValidationError(
                {"id": [_("Give the id of the %s.") % attrs["scope"]]}
            )
        return attrs


STATS_FILTERS = ("from", "to", "type")


class ActivityCountSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    type = serializers.CharField(help_text=gettext_lazy("Activity type key."))
    count = serializers.IntegerField()


class ActivityStatsSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(
        allow_null=True,
        help_text=gettext_lazy("When the newest change reflected in these numbers was made."),
    )
    pending = serializers.IntegerField(
        help_text=gettext_lazy("Changes still waiting to be counted (dirty buckets).")
    )
    results = ActivityCountSerializer(many=True)


def _range_parameters() -> list[OpenApiParameter]:
    return [
        OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="First day."),
        OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="Last day."),
    ]


class ActivityStatsView(OrgScopedAPIMixin, APIView):
    """Activity counts per period and type, from the daily rollup."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "scope", OpenApiTypes.STR, required=True, enum=["user", "team", "org"]
            ),
            OpenApiParameter(
                "id", OpenApiTypes.INT, description="User id or team id (not for scope=org)."
            ),
            OpenApiParameter(
                "grain", OpenApiTypes.STR, required=True, enum=["day", "week", "month"]
            ),
            *_range_parameters(),
            OpenApiParameter("type", OpenApiTypes.STR, description="Only this type key."),
        ],
        responses=ActivityStatsSerializer,
    )
    def get(self, request: Request, org_slug: str) -> Response:
        params = ActivityStatsQuerySerializer(data=request.query_params)
        own = {k: v for k, v in request.query_params.items() if k in STATS_FILTERS}
        filters = selectors.filter_activities(self.membership, own).require_range()
        errors: dict[str, Any] = {}
        if not params.is_valid():
            errors.update(params.errors)
        if not filters.is_valid():
            errors.update(translate_validation(filters.errors).detail)
        if errors:
            raise serializers.ValidationError(errors)
        query = {**params.validated_data, **filters.form.cleaned_data}
        user_id: int | None = None
        team_ids: frozenset[int] | None = None
        if query["scope"] == "user":
            subject = Membership.objects.for_org(self.org).filter(user_id=query["id"]).first()
            if subject is None:
                raise exceptions.NotFound()
            rules.require(rules.can_view_member_numbers(self.membership, subject))
            user_id = subject.user_id
        elif query["scope"] == "team":
            team = Team.objects.for_org(self.org).filter(pk=query["id"]).first()
            if team is None:
                raise exceptions.NotFound()
            rules.require(rules.can_view_team_numbers(self.membership, team.pk))
            team_ids = selectors.team_scope(self.org, team)
        else:
            rules.require(access.can_view_org_activity_numbers(self.membership))
        rows = selectors.activity_counts(
            self.org,
            start=query["from"],
            end=query["to"],
            grain=query["grain"],
            user_id=user_id,
            team_ids=team_ids,
            type_key=query["type"].key if query.get("type") else None,
        )
        fresh = selectors.freshness(self.org)
        payload = {"as_of": fresh.as_of, "pending": fresh.pending, "results": rows}
        return Response(ActivityStatsSerializer(payload).data)


class FunnelQuerySerializer(serializers.Serializer):
    team = serializers.IntegerField(min_value=1, max_value=MAX_ID)

    def get_fields(self) -> dict[str, serializers.Field]:
        return {**super().get_fields(), **_date_range_fields(required=True)}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _check_range(attrs)
        return attrs


class ActivityFunnelStageSerializer(serializers.Serializer):
    type = serializers.CharField(help_text=gettext_lazy("Activity type key."))
    name = serializers.CharField()
    count = serializers.IntegerField()
    conversion = serializers.FloatField(
        allow_null=True,
        help_text=gettext_lazy("Count over the previous stage's count; null for stage 1."),
    )


class ActivityFunnelMemberSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.display_name")
    stages = ActivityFunnelStageSerializer(many=True)
    bottleneck = serializers.CharField(
        allow_null=True,
        help_text=gettext_lazy("Type key of the stage furthest (>20%) below the team median."),
    )
    bottleneck_text = serializers.CharField(allow_null=True)


class ActivityFunnelSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(source="freshness.as_of", allow_null=True)
    pending = serializers.IntegerField(source="freshness.pending")
    stages = ActivityFunnelStageSerializer(many=True)
    members = ActivityFunnelMemberSerializer(many=True)


class ActivityFunnelView(OrgScopedAPIMixin, APIView):
    """A team's funnel (sub-teams included) and each member's bottleneck."""

    @extend_schema(
        parameters=[
            OpenApiParameter("team", OpenApiTypes.INT, required=True),
            *_range_parameters(),
        ],
        responses=ActivityFunnelSerializer,
    )
    def get(self, request: Request, org_slug: str) -> Response:
        params = FunnelQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.validated_data
        team = Team.objects.for_org(self.org).filter(pk=query["team"]).first()
        if team is None:
            raise exceptions.NotFound()
        rules.require(access.can_view_funnel(self.membership, team.pk))
        report = selectors.funnel_for_team(self.org, team, start=query["from"], end=query["to"])
        return Response(ActivityFunnelSerializer(report).data)
