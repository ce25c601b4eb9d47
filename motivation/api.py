"""API of the motivation app: check-ins, 1:1s, kudos, alerts, the leaderboard and the
organisation's motivation settings (contract: shared/API.md, "Motivation").

Serializers only shape and parse; writes call `motivation.services`, reads come from
`motivation.selectors` and `motivation.access`. A check-in or 1:1 the caller may not see
answers 404 exactly like a missing one; a visible one they may not change, 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import rules
from motivation import access, selectors, services
from motivation.filters import CheckInFilter
from motivation.models import NOTE_MAX, CheckIn, MotivationSettings
from salesmgmt.api import OrgScopedAPIMixin, SupportedDateField

# --- settings -------------------------------------------------------------------------------


class ValueSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=80)


class MotivationSettingsSerializer(serializers.ModelSerializer):
    values = ValueSerializer(many=True, required=False)

    class Meta:
        model = MotivationSettings
        fields = ["checkin_weekday", "one_on_one_days", "leaderboards_enabled", "values"]
        extra_kwargs = {
            "checkin_weekday": {"help_text": gettext_lazy("0 = Monday … 6 = Sunday.")},
            "one_on_one_days": {"min_value": 1, "max_value": 365},
        }


class MotivationSettingsView(OrgScopedAPIMixin, APIView):
    """The organisation's motivation settings: everyone reads them, admins change them."""

    @extend_schema(responses=MotivationSettingsSerializer)
    def get(self, request: Request, org_slug: str) -> Response:
        return Response(MotivationSettingsSerializer(services.settings_for(self.org)).data)

    @extend_schema(request=MotivationSettingsSerializer, responses=MotivationSettingsSerializer)
    def patch(self, request: Request, org_slug: str) -> Response:
        rules.require(access.can_edit_motivation_settings(self.membership))
        data = MotivationSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "values" in changes:
            changes["values"] = [dict(v) for v in changes["values"]]
        updated = services.update_motivation_settings(actor=self.membership, **changes)
        return Response(MotivationSettingsSerializer(updated).data)


# --- check-ins ------------------------------------------------------------------------------


class CheckInSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckIn
        fields = ["id", "user", "date", "score", "note", "created_at"]
        read_only_fields = fields


class CheckInWriteSerializer(serializers.Serializer):
    date = SupportedDateField(
        required=False,
        help_text=gettext_lazy(
            "Default: today (local). An earlier week may be filled in late, never a future one."
        ),
    )
    score = serializers.IntegerField(min_value=1, max_value=5)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)


class CheckInUpdateSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5, required=False)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)


class CheckInFilterBackend(DjangoFilterBackend):
    """The check-ins FilterSet, built for the caller (their organisation's people and teams)."""

    def get_filterset(self, request: Any, queryset: QuerySet[Any], view: Any) -> Any:
        return selectors.filter_checkins(view.membership, request.query_params, queryset)


@extend_schema_view(
    create=extend_schema(request=CheckInWriteSerializer, responses={201: CheckInSerializer}),
    partial_update=extend_schema(request=CheckInUpdateSerializer, responses=CheckInSerializer),
    destroy=extend_schema(responses={204: None}),
)
class CheckInViewSet(
    OrgScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Weekly check-ins: the caller's own, their people's (managers), everyone's (admins)."""

    serializer_class = CheckInSerializer
    lookup_url_kwarg = "checkin_id"
    lookup_value_regex = "[0-9]+"
    filter_backends = [CheckInFilterBackend]
    filterset_class = CheckInFilter

    def get_queryset(self) -> QuerySet[CheckIn]:
        if self.is_schema_generation:
            return CheckIn.objects.none()
        return selectors.checkins_for(self.membership)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Check in for oneself: one per organisation week (a second one: 400 on `date`)."""
        data = CheckInWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        checkin = services.record_checkin(
            actor=self.membership,
            score=values["score"],
            note=values.get("note", ""),
            day=values.get("date"),
        )
        return Response(CheckInSerializer(checkin).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change one's own check-in, during its week."""
        checkin = self.get_object()
        data = CheckInUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.update_checkin(actor=self.membership, checkin=checkin, **data.validated_data)
        return Response(CheckInSerializer(checkin).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Take back one's own check-in, during its week."""
        services.delete_checkin(actor=self.membership, checkin=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
