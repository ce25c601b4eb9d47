"""API of the evaluations app (contract: shared/API.md, "Evaluations").

Serializers only shape and parse; writes call `evaluations.services`, reads come from
`evaluations.access`. Something the caller may not see answers 404 exactly like a missing
one; something visible they may not change, 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import rules
from evaluations import access, calibration, evidence, services
from evaluations.filters import CriterionFilter, CycleFilter, EvaluationFilter
from evaluations.models import Evaluation, EvaluationCriterion, EvaluationCycle
from motivation import access as motivation_access
from salesmgmt.api import OrgScopedAPIMixin, SupportedDateField
from salesmgmt.errors import DomainError

# --- criteria -------------------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationCriterion
        fields = ["id", "key", "name", "description", "applies_to", "weight", "evidence"]
        extra_kwargs = {
            "weight": {"min_value": 1, "max_value": 100},
            "evidence": {"allow_null": True, "required": False},
        }
        # Uniqueness of the key is the service's (a clear 400 on `key`).
        validators: list[Any] = []


@extend_schema_view(
    create=extend_schema(request=CriterionSerializer, responses={201: CriterionSerializer}),
    partial_update=extend_schema(request=CriterionSerializer, responses=CriterionSerializer),
)
class CriterionViewSet(
    OrgScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The organisation's evaluation criteria: everyone reads them, admins change them."""

    serializer_class = CriterionSerializer
    lookup_url_kwarg = "criterion_id"
    lookup_value_regex = "[0-9]+"
    filter_backends = [DjangoFilterBackend]
    filterset_class = CriterionFilter

    def get_queryset(self) -> QuerySet[EvaluationCriterion]:
        if self.is_schema_generation:
            return EvaluationCriterion.objects.none()
        return access.criteria_visible_to(self.membership)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = CriterionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.create_criterion(actor=self.membership, **data.validated_data)
        return Response(CriterionSerializer(made).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        criterion = self.get_object()
        data = CriterionSerializer(criterion, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.update_criterion(actor=self.membership, criterion=criterion, **data.validated_data)
        return Response(CriterionSerializer(criterion).data)


# --- cycles ---------------------------------------------------------------------------------


class CycleSerializer(serializers.ModelSerializer):
    start = SupportedDateField()
    end = SupportedDateField()
    without_evaluator = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "People evaluated in the cycle whom nobody can evaluate yet (no evaluator, or one "
            "who has left) until an admin assigns one: admins see all, managers their teams' "
            "people, members none."
        )
    )

    not_in_cycle = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Active members with no evaluation in the cycle while it is in self or manager "
            "review (they joined after it opened) until an admin adds them by assigning an "
            "evaluator: admins see all, managers their teams' people, members none; empty at "
            "other stages."
        )
    )

    class Meta:
        model = EvaluationCycle
        fields = ["id", "name", "start", "end", "status", "without_evaluator", "not_in_cycle"]
        read_only_fields = ["status", "without_evaluator", "not_in_cycle"]

    def get_without_evaluator(self, obj: EvaluationCycle) -> list[int]:
        return list(self.context.get("without_evaluator", {}).get(obj.pk, []))

    def get_not_in_cycle(self, obj: EvaluationCycle) -> list[int]:
        return list(self.context.get("not_in_cycle", {}).get(obj.pk, []))


class AssignEvaluatorSerializer(serializers.Serializer):
    subject = serializers.IntegerField(help_text=gettext_lazy("The person evaluated (user id)."))
    evaluator = serializers.IntegerField(
        help_text=gettext_lazy("An active manager or admin other than the person (user id).")
    )


class AdvanceSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=EvaluationCycle.Status.choices)


class EvaluatorRowSerializer(serializers.Serializer):
    evaluator = serializers.IntegerField()
    count = serializers.IntegerField()
    mean = serializers.FloatField()
    distribution = serializers.DictField(child=serializers.IntegerField())


class MismatchSerializer(serializers.Serializer):
    evaluation = serializers.IntegerField()
    subject = serializers.IntegerField()
    criterion = serializers.CharField()
    rating = serializers.IntegerField()
    evidence = serializers.DictField(child=serializers.FloatField())


class CalibrationSerializer(serializers.Serializer):
    evaluators = EvaluatorRowSerializer(many=True)
    org_mean = serializers.FloatField(allow_null=True)
    outliers = serializers.ListField(child=serializers.IntegerField())
    mismatches = MismatchSerializer(many=True)
    without_evaluator = serializers.ListField(child=serializers.IntegerField())


@extend_schema_view(
    create=extend_schema(request=CycleSerializer, responses={201: CycleSerializer}),
)
class CycleViewSet(
    OrgScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Evaluation cycles: admins create them and move them one stage at a time."""

    serializer_class = CycleSerializer
    lookup_url_kwarg = "cycle_id"
    lookup_value_regex = "[0-9]+"
    filter_backends = [DjangoFilterBackend]
    filterset_class = CycleFilter

    def get_queryset(self) -> QuerySet[EvaluationCycle]:
        if self.is_schema_generation:
            return EvaluationCycle.objects.none()
        return access.cycles_visible_to(self.membership)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = CycleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.create_cycle(actor=self.membership, **data.validated_data)
        return Response(CycleSerializer(made).data, status=status.HTTP_201_CREATED)

    def _without_evaluator(self, cycles: Any) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        unassigned = list(
            services.unassigned_in(self.membership.organization_id, [c.pk for c in cycles])
        )
        for evaluation in access.people_without_evaluator_for(self.membership, unassigned):
            found.setdefault(evaluation.cycle_id, []).append(evaluation.subject_id)
        return found

    def _not_in_cycle(self, cycles: Any) -> dict[int, list[int]]:
        people = access.latecomers_visible_to(self.membership)
        found = services.not_in_cycles(people, list(cycles))
        return {cycle_id: [p.user_id for p in missing] for cycle_id, missing in found.items()}

    def _gaps(self, cycles: Any) -> dict[str, Any]:
        cycles = list(cycles)
        return {
            "without_evaluator": self._without_evaluator(cycles),
            "not_in_cycle": self._not_in_cycle(cycles),
        }

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        self.gaps = self._gaps(page if page is not None else queryset)
        return page

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), **getattr(self, "gaps", {})}

    def _shown(self, cycle: EvaluationCycle) -> dict[str, Any]:
        return dict(CycleSerializer(cycle, context=self._gaps([cycle])).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._shown(self.get_object()))

    @extend_schema(request=AssignEvaluatorSerializer, responses=CycleSerializer)
    @action(detail=True, methods=["post"], url_path="assign-evaluator")
    def assign_evaluator(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """An admin names who evaluates `subject` in the cycle (self or manager review,
        before the manager evaluation is submitted; audited); an active member not yet in
        the cycle (joined late) is added to it."""
        cycle = self.get_object()
        rules.require(access.can_assign_evaluators(self.membership))
        data = AssignEvaluatorSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.assign_evaluator(
            actor=self.membership,
            cycle=cycle,
            subject_id=data.validated_data["subject"],
            evaluator_id=data.validated_data["evaluator"],
        )
        cycle.refresh_from_db()
        return Response(self._shown(cycle))

    @extend_schema(request=AdvanceSerializer, responses=CycleSerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """One stage forward; entering self review creates everyone's evaluations."""
        cycle = self.get_object()
        data = AdvanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moved = services.advance_cycle(
            actor=self.membership, cycle=cycle, to=data.validated_data["to"]
        )
        return Response(self._shown(moved))

    @extend_schema(request=None, responses=CalibrationSerializer)
    @action(detail=True, methods=["get"])
    def calibration(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Ratings per evaluator against the organisation's mean, outliers, and ratings that
        contradict goal attainment (admins: everyone; managers: their teams)."""
        cycle = self.get_object()
        rules.require(access.can_view_calibration(self.membership))
        return Response(calibration.calibration(self.membership, cycle))


# --- evaluations ----------------------------------------------------------------------------


class EvaluationSerializer(serializers.ModelSerializer):
    subject = serializers.IntegerField(source="subject_id", read_only=True)
    evaluator = serializers.IntegerField(
        source="evaluator_id",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("null while nobody can evaluate the person (see the cycle)."),
    )
    cycle = serializers.IntegerField(source="cycle_id", read_only=True)
    ratings = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    comments = serializers.DictField(child=serializers.CharField(), read_only=True)
    summary = serializers.DictField(child=serializers.CharField(), read_only=True)
    next_steps_one_on_one = serializers.IntegerField(
        source="next_steps_one_on_one_id",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The 1:1 whose action items the next steps became, if they did."),
    )

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "cycle",
            "subject",
            "evaluator",
            "kind",
            "ratings",
            "comments",
            "summary",
            "status",
            "final_rating",
            "final_note",
            "response",
            "submitted_at",
            "acknowledged_at",
            "next_steps_one_on_one",
        ]
        read_only_fields = fields


class EvaluationDetailSerializer(EvaluationSerializer):
    evidence = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Read-only, for the cycle's dates: goals, activities by type, funnel, deals won "
            "and the open pipeline at the cycle's end ({count, amount, currency}), "
            "accompaniments, kudos received, 1:1s held."
        )
    )

    class Meta(EvaluationSerializer.Meta):
        fields = [*EvaluationSerializer.Meta.fields, "evidence"]
        read_only_fields = fields

    def get_evidence(self, obj: Evaluation) -> dict[str, Any]:
        return evidence.evidence_for(obj)


class EvaluationWriteSerializer(serializers.Serializer):
    ratings = serializers.DictField(
        child=serializers.IntegerField(allow_null=True, min_value=1, max_value=5),
        required=False,
    )
    comments = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=services.COMMENT_MAX),
        required=False,
    )
    summary = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=services.COMMENT_MAX),
        required=False,
    )


class FinalRatingSerializer(serializers.Serializer):
    final_rating = serializers.IntegerField(min_value=1, max_value=5)
    final_note = serializers.CharField(max_length=1_000)


class AcknowledgeSerializer(serializers.Serializer):
    response = serializers.CharField(allow_blank=True, required=False, max_length=5_000)


class NextStepsSerializer(serializers.Serializer):
    one_on_one = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("One of your 1:1s with the person; none: a new 1:1 on `date`."),
    )
    date = SupportedDateField(
        required=False, help_text=gettext_lazy("The new 1:1's date (default: today).")
    )
    due = SupportedDateField(
        required=False, allow_null=True, help_text=gettext_lazy("When the items are due.")
    )


class NextStepsActionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id")
    due = serializers.DateField(allow_null=True)


class NextStepsResultSerializer(serializers.Serializer):
    one_on_one = serializers.IntegerField()
    date = serializers.DateField()
    action_items = NextStepsActionItemSerializer(many=True)


class EvaluationFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request: Any, queryset: QuerySet[Any], view: Any) -> Any:
        return EvaluationFilter(request.query_params, queryset=queryset, actor=view.membership)


@extend_schema_view(
    retrieve=extend_schema(responses=EvaluationDetailSerializer),
    partial_update=extend_schema(
        request=EvaluationWriteSerializer, responses=EvaluationDetailSerializer
    ),
)
class EvaluationViewSet(
    OrgScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Self and manager evaluations; who sees which: `evaluations.access`."""

    serializer_class = EvaluationSerializer
    lookup_url_kwarg = "evaluation_id"
    lookup_value_regex = "[0-9]+"
    filter_backends = [EvaluationFilterBackend]
    filterset_class = EvaluationFilter

    def get_queryset(self) -> QuerySet[Evaluation]:
        if self.is_schema_generation:
            return Evaluation.objects.none()
        return access.evaluations_visible_to(self.membership).order_by("cycle_id", "id")

    def get_serializer_class(self) -> Any:
        return EvaluationSerializer if self.action == "list" else EvaluationDetailSerializer

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The writer fills in ratings ({criterion key: 1-5}), comments and the summary; an
        admin sets `final_rating` with a `final_note` (calibration, or later: audited)."""
        evaluation = self.get_object()
        if "final_rating" in request.data:  # an admin, calibrating
            final = FinalRatingSerializer(data=request.data)
            final.is_valid(raise_exception=True)
            changed = services.set_final_rating(
                actor=self.membership,
                evaluation=evaluation,
                rating=final.validated_data["final_rating"],
                note=final.validated_data["final_note"],
            )
            return Response(EvaluationDetailSerializer(changed).data)
        data = EvaluationWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = services.update_evaluation(
            actor=self.membership, evaluation=evaluation, **data.validated_data
        )
        return Response(EvaluationDetailSerializer(changed).data)

    @extend_schema(request=None, responses=EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every criterion rated; extreme or far-apart manager ratings carry a comment."""
        done = services.submit_evaluation(actor=self.membership, evaluation=self.get_object())
        return Response(EvaluationDetailSerializer(done).data)

    @extend_schema(request=NextStepsSerializer, responses={201: NextStepsResultSerializer})
    @action(detail=True, methods=["post"], url_path="action-items")
    def action_items(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The evaluator (or an admin) turns a released manager evaluation's next steps (one
        per line) into action items of the subject on a 1:1: one of theirs with the person
        (`one_on_one`) or a new one on `date`. Once per evaluation (400 the second time)."""
        evaluation = self.get_object()
        rules.require(access.can_turn_next_steps_into_action_items(self.membership, evaluation))
        data = NextStepsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        chosen = data.validated_data.get("one_on_one")
        one_on_one = None
        if chosen is not None:
            one_on_one = (
                motivation_access.one_on_ones_visible_to(self.membership).filter(pk=chosen).first()
            )
            if one_on_one is None:
                raise DomainError(
                    _("Choose one of your own 1:1s with this person."), field="one_on_one"
                )
        held, added = services.next_steps_to_one_on_one(
            actor=self.membership,
            evaluation=evaluation,
            one_on_one=one_on_one,
            day=data.validated_data.get("date"),
            due=data.validated_data.get("due"),
        )
        shown = {"one_on_one": held.pk, "date": held.date, "action_items": added}
        return Response(NextStepsResultSerializer(shown).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AcknowledgeSerializer, responses=EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The subject acknowledges their released evaluation (optionally responding)."""
        evaluation = self.get_object()
        data = AcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.acknowledge_evaluation(
            actor=self.membership,
            evaluation=evaluation,
            response=data.validated_data.get("response", ""),
        )
        return Response(EvaluationDetailSerializer(done).data)
