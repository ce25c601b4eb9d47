"""API of the evaluations app (contract: shared/API.md, "Evaluations").

Serializers only shape and parse; writes call `evaluations.services`, reads come from
`evaluations.access`. Something the caller may not see answers 404 exactly like a missing
one; something visible they may not change, 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from evaluations import access, services
from evaluations.filters import CriterionFilter
from evaluations.models import EvaluationCriterion
from salesmgmt.api import OrgScopedAPIMixin

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
