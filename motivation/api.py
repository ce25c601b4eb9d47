"""API of the motivation app: check-ins, 1:1s, kudos, alerts, the leaderboard and the
organisation's motivation settings (contract: shared/API.md, "Motivation").

Serializers only shape and parse; writes call `motivation.services`, reads come from
`motivation.selectors` and `motivation.access`. A check-in or 1:1 the caller may not see
answers 404 exactly like a missing one; a visible one they may not change, 403.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import rules
from accounts.models import Membership, Team
from activities.models import Activity
from deals.models import Deal
from goals.models import Goal, Metric
from motivation import access, alerts, leaderboards, recognition, selectors, services
from motivation.filters import CheckInFilter, KudosFilter, OneOnOneFilter
from motivation.models import (
    ITEM_MAX,
    KUDOS_MAX,
    NOTE_MAX,
    TEXT_MAX,
    AgendaPoint,
    CheckIn,
    Kudos,
    MotivationSettings,
    OneOnOne,
)
from salesmgmt.api import (
    OrgScopedAPIMixin,
    OrgScopedKeyField,
    OrgScopedPrimaryKeyField,
    OrgUserField,
    SupportedDateField,
)
from salesmgmt.errors import DomainError

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


# --- 1:1s ---------------------------------------------------------------------------------


class ActionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    owner = serializers.IntegerField(source="owner_id", read_only=True)
    due = serializers.DateField(read_only=True, allow_null=True)
    done = serializers.BooleanField(read_only=True)
    one_on_one = serializers.IntegerField(
        source="one_on_one_id",
        read_only=True,
        help_text=gettext_lazy("The 1:1 where the item was agreed."),
    )
    carried_over = serializers.BooleanField(
        read_only=True, help_text=gettext_lazy("Still open from one of the pair's earlier 1:1s.")
    )


class AgendaPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaPoint
        fields = ["id", "author", "text", "created_at"]
        read_only_fields = ["id", "author", "created_at"]
        extra_kwargs = {"text": {"max_length": ITEM_MAX}}


class OneOnOneSerializer(serializers.ModelSerializer):
    """A 1:1; `private_notes` is present only for the manager who wrote them."""

    action_items = ActionItemSerializer(many=True, source="items", read_only=True)
    proposed_agenda = AgendaPointSerializer(many=True, source="proposed_points", read_only=True)

    class Meta:
        model = OneOnOne
        fields = [
            "id", "manager", "member", "date", "agenda", "shared_notes", "private_notes",
            "action_items", "proposed_agenda", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "private_notes": {
                "required": False,
                "help_text": gettext_lazy(
                    "Returned only to the manager who wrote them; absent for everyone else."
                ),
            }
        }

    def to_representation(self, instance: OneOnOne) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        actor = self.context.get("membership")
        if actor is None or not access.can_read_private_notes(actor, instance):
            data.pop("private_notes", None)
        return data


class NewActionItemSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=ITEM_MAX)
    owner = OrgUserField(help_text=gettext_lazy("The manager or the member of the 1:1."))
    due = SupportedDateField(required=False, allow_null=True)


class ActionItemChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False,
        help_text=gettext_lazy(
            "An existing item of this 1:1 (or carried over to it); omit to add."
        ),
    )
    text = serializers.CharField(max_length=ITEM_MAX, required=False)
    owner = OrgUserField(required=False)
    due = SupportedDateField(required=False, allow_null=True)
    done = serializers.BooleanField(required=False)


class OneOnOneWriteSerializer(serializers.Serializer):
    member = OrgUserField()
    date = SupportedDateField(required=False, help_text=gettext_lazy("Default: today."))
    agenda = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    shared_notes = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    private_notes = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    action_items = NewActionItemSerializer(many=True, required=False, max_length=50)  # type: ignore[call-arg]


class OneOnOneUpdateSerializer(serializers.Serializer):
    date = SupportedDateField(required=False)
    agenda = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    shared_notes = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    private_notes = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    action_items = ActionItemChangeSerializer(many=True, required=False, max_length=50)  # type: ignore[call-arg]


class OneOnOneFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request: Any, queryset: QuerySet[Any], view: Any) -> Any:
        return selectors.filter_one_on_ones(view.membership, request.query_params, queryset)


@extend_schema_view(
    create=extend_schema(request=OneOnOneWriteSerializer, responses={201: OneOnOneSerializer}),
    partial_update=extend_schema(request=OneOnOneUpdateSerializer, responses=OneOnOneSerializer),
    destroy=extend_schema(responses={204: None}),
)
class OneOnOneViewSet(OrgScopedAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """1:1s: the pair's, the member's managers' and admins' to read (private notes: the
    writing manager's only); a manager of the member (or an admin) records one."""

    serializer_class = OneOnOneSerializer
    lookup_url_kwarg = "one_on_one_id"
    lookup_value_regex = "[0-9]+"
    filter_backends = [OneOnOneFilterBackend]
    filterset_class = OneOnOneFilter

    def get_queryset(self) -> QuerySet[OneOnOne]:
        if self.is_schema_generation:
            return OneOnOne.objects.none()
        return selectors.one_on_ones_for(self.membership)

    def _shown(self, one_on_one: OneOnOne) -> dict[str, Any]:
        fresh = self.get_queryset().get(pk=one_on_one.pk)
        selectors.with_items([fresh])
        return dict(OneOnOneSerializer(fresh, context=self.get_serializer_context()).data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = selectors.with_items(list(page if page is not None else queryset))
        data = OneOnOneSerializer(rows, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._shown(self.get_object()))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a 1:1 with one of the caller's people (admins: anyone but themselves)."""
        data = OneOnOneWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        member = Membership.objects.for_org(self.org).get(user=values.pop("member"))
        items = [
            services.NewActionItem(text=i["text"], owner_id=i["owner"].pk, due=i.get("due"))
            for i in values.pop("action_items", [])
        ]
        one_on_one = services.hold_one_on_one(
            actor=self.membership,
            member=member,
            day=values.pop("date", None),
            action_items=items,
            **values,
        )
        return Response(self._shown(one_on_one), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The holding manager changes anything; the member may only tick `done` on the
        action items they own."""
        one_on_one = self.get_object()
        data = OneOnOneUpdateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        changes = values.pop("action_items", [])
        manager = access.can_edit_one_on_one(self.membership, one_on_one)
        if not manager and (values or any(set(c) - {"id", "done"} for c in changes)):
            rules.require(False)
        with transaction.atomic():
            new_items = []
            for change in changes:
                if "id" not in change:
                    if "text" not in change or "owner" not in change:
                        raise DomainError(
                            _("A new action item needs a text and an owner."),
                            field="action_items",
                        )
                    new_items.append(
                        services.NewActionItem(
                            text=change["text"], owner_id=change["owner"].pk, due=change.get("due")
                        )
                    )
                    continue
                item = selectors.item_of(one_on_one, change["id"])
                if item is None:
                    raise DomainError(
                        _("Unknown action item %(id)s.") % {"id": change["id"]},
                        field="action_items",
                    )
                if {"text", "owner", "due"} & set(change):
                    services.update_action_item(
                        actor=self.membership,
                        item=item,
                        text=change.get("text"),
                        owner=change.get("owner"),
                        due=change.get("due"),
                        clear_due="due" in change and change["due"] is None,
                    )
                if "done" in change:
                    services.set_action_item_done(
                        actor=self.membership, item=item, done=change["done"]
                    )
            if manager:
                services.update_one_on_one(
                    actor=self.membership, one_on_one=one_on_one, add_items=new_items, **values
                )
        return Response(self._shown(one_on_one))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.delete_one_on_one(actor=self.membership, one_on_one=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=AgendaPointSerializer, responses={201: AgendaPointSerializer})
    @action(detail=True, methods=["post"], url_path="agenda", url_name="agenda")
    def agenda(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Either of the pair proposes an agenda point before the meeting."""
        one_on_one = self.get_object()
        data = AgendaPointSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        point = services.propose_agenda_point(
            actor=self.membership, one_on_one=one_on_one, text=data.validated_data["text"]
        )
        return Response(AgendaPointSerializer(point).data, status=status.HTTP_201_CREATED)


# --- kudos --------------------------------------------------------------------------------


class KudosSerializer(serializers.ModelSerializer):
    class Meta:
        model = Kudos
        fields = [
            "id", "from_user", "to_user", "message", "value", "activity", "deal", "goal",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class KudosWriteSerializer(serializers.Serializer):
    to_user = OrgUserField()
    message = serializers.CharField(min_length=1, max_length=KUDOS_MAX)
    value = serializers.CharField(
        max_length=40,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=gettext_lazy("One of the organisation's value keys, or null."),
    )
    activity = OrgScopedPrimaryKeyField(model=Activity, required=False, allow_null=True)
    deal = OrgScopedPrimaryKeyField(model=Deal, required=False, allow_null=True)
    goal = OrgScopedPrimaryKeyField(model=Goal, required=False, allow_null=True)


class KudosFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request: Any, queryset: QuerySet[Any], view: Any) -> Any:
        return selectors.filter_kudos(view.membership, request.query_params, queryset)


@extend_schema_view(
    create=extend_schema(request=KudosWriteSerializer, responses={201: KudosSerializer}),
    destroy=extend_schema(responses={204: None}),
)
class KudosViewSet(
    OrgScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Kudos, organisation-wide and newest first; anyone thanks a colleague (not themselves)."""

    serializer_class = KudosSerializer
    lookup_url_kwarg = "kudos_id"
    lookup_value_regex = "[0-9]+"
    filter_backends = [KudosFilterBackend]
    filterset_class = KudosFilter

    def get_queryset(self) -> QuerySet[Kudos]:
        if self.is_schema_generation:
            return Kudos.objects.none()
        return selectors.kudos_for(self.membership)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = KudosWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        to = Membership.objects.for_org(self.org).get(user=values.pop("to_user"))
        kudos = services.give_kudos(actor=self.membership, to=to, **values)
        return Response(KudosSerializer(kudos).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.delete_kudos(actor=self.membership, kudos=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- alerts -------------------------------------------------------------------------------


class AlertSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    kind = serializers.ChoiceField(choices=[(k, k) for k in alerts.KINDS])
    detail = serializers.CharField()
    since = serializers.DateField(allow_null=True)


class AlertsView(OrgScopedAPIMixin, APIView):
    """Who to talk to and why: managers see their teams' people, admins everyone; members 403."""

    @extend_schema(responses=AlertSerializer(many=True))
    def get(self, request: Request, org_slug: str) -> Response:
        rules.require(access.coaches_others(self.membership))
        found = selectors.alerts_visible_to(self.membership)
        return Response(AlertSerializer(found, many=True).data)


# --- leaderboard --------------------------------------------------------------------------


class LeaderboardQuerySerializer(serializers.Serializer):
    metric = OrgScopedKeyField(model=Metric, help_text=gettext_lazy("A metric key."))
    period = serializers.ChoiceField(choices=leaderboards.PERIODS, default="month")
    date = SupportedDateField(required=False, help_text=gettext_lazy("Default: today."))
    team = OrgScopedPrimaryKeyField(model=Team, required=False)
    kind = serializers.ChoiceField(choices=leaderboards.KINDS, default="attainment")


class PlaceSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.display_name")
    value = serializers.FloatField()
    rank = serializers.IntegerField()


@extend_schema_serializer(component_name="LeaderboardPeriod")
class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(source="last", help_text=gettext_lazy("Inclusive."))


class LeaderboardSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    period = PeriodSerializer()
    results = PlaceSerializer(many=True, source="places")


class LeaderboardView(OrgScopedAPIMixin, APIView):
    """People ranked against their own goals (attainment, or improvement on the previous
    period); people without a goal are left out. 404 while the organisation has leaderboards
    switched off."""

    @extend_schema(parameters=[LeaderboardQuerySerializer], responses=LeaderboardSerializer)
    def get(self, request: Request, org_slug: str) -> Response:
        enabled = services.settings_for(self.org).leaderboards_enabled
        if not access.can_view_leaderboards(self.membership, enabled):
            raise exceptions.NotFound(_("This organisation has switched leaderboards off."))
        query = LeaderboardQuerySerializer(data=request.query_params, context={"org": self.org})
        query.is_valid(raise_exception=True)
        values = query.validated_data
        board = leaderboards.leaderboard(
            self.org,
            metric=values["metric"],
            period_kind=values["period"],
            kind=values["kind"],
            on=values.get("date"),
            team=values.get("team"),
        )
        return Response(LeaderboardSerializer(board).data)


# --- recognition --------------------------------------------------------------------------


class BadgeSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()


class RecognitionSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    streak = serializers.IntegerField(
        help_text=gettext_lazy("Completed weeks in a row, back from last week, on pace.")
    )
    badges = BadgeSerializer(many=True)
    kudos_received = serializers.IntegerField()


class RecognitionView(OrgScopedAPIMixin, APIView):
    """A colleague's streak, badges and number of kudos received (everyone in the organisation)."""

    @extend_schema(responses=RecognitionSerializer)
    def get(self, request: Request, org_slug: str, user_id: int) -> Response:
        subject = get_object_or_404(
            Membership.objects.for_org(self.org).select_related("organization"), user_id=user_id
        )
        streak, badges = recognition.badges_of(subject)
        received = selectors.kudos_for(self.membership).filter(to_user_id=user_id).count()
        data = {
            "user": subject.user_id,
            "streak": streak,
            "badges": [
                {"key": b.key, "name": str(b.name), "description": str(b.description)}
                for b in badges
            ],
            "kudos_received": received,
        }
        return Response(RecognitionSerializer(data).data)
