"""API of the deals app: customers and their contacts, pipeline stages, deals, stats.

Serializers only shape and parse; every write is a call to `deals.services` (the same calls
the pages make) and every read comes from `deals.selectors`. A deal the caller may not see
answers 404 exactly like a missing one (`deals_visible_to`); one they see but may not
change in that way (delete, forecast) answers 403. Foreign keys are read and written as
ids (the stage as its key) and money as decimal strings; lists are flat and prefetched,
so the deal list costs the same number of queries for ten deals or a thousand.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import rules
from accounts.audit import record_event
from accounts.imports import submit_import
from accounts.models import Organization, Team, User
from deals import access, csv_io, selectors, services
from deals.filters import CustomerFilter, DealFilter
from deals.models import Concern, Contact, Customer, Deal, DealNote, Stage, StageChange
from salesmgmt import periods
from salesmgmt.api import (
    OrgScopedAPIMixin,
    OrgScopedPrimaryKeyField,
    OrgUserField,
    SupportedDateField,
)
from salesmgmt.csv_api import (
    IMPORT_PARSERS,
    CSVRenderer,
    import_response,
    import_schema,
    read_csv_upload,
)
from salesmgmt.errors import DomainError

MAX_ID = 2**63 - 1  # larger ids overflow the database's integer column


def money_field(**kwargs: Any) -> serializers.DecimalField:
    """Amounts as the deal stores them (two decimal places), read as decimal strings."""
    return serializers.DecimalField(max_digits=18, decimal_places=2, **kwargs)


# --- customers ----------------------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "title", "email", "phone"]
        extra_kwargs = {
            "title": {"required": False},
            "email": {"required": False},
            "phone": {"required": False},
        }


class CustomerSerializer(serializers.ModelSerializer):
    contacts = ContactSerializer(
        many=True,
        read_only=True,
        help_text=gettext_lazy("Contact persons; add one with POST contacts/."),
    )

    class Meta:
        model = Customer
        fields = ["id", "name", "industry", "notes", "contacts", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"industry": {"required": False}, "notes": {"required": False}}


class CustomerFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request: Any, queryset: QuerySet[Any], view: Any) -> Any:
        return selectors.filter_customers(view.membership, request.query_params, queryset=queryset)


class CustomerViewSet(
    OrgScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The organisation's customers with their contact persons; everyone reads and writes."""

    serializer_class = CustomerSerializer
    lookup_url_kwarg = "customer_id"
    lookup_value_regex = "[0-9]+"
    filter_backends = [CustomerFilterBackend]
    filterset_class = CustomerFilter

    def get_queryset(self) -> QuerySet[Customer]:
        if self.is_schema_generation:
            return Customer.objects.none()
        customers = access.customers_visible_to(self.membership).prefetch_related("contacts")
        return customers.order_by("name", "id")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The list is searched (400 on a bad search); one customer is not."""
        if self.action == "list":
            return super().filter_queryset(queryset)
        return queryset

    def _fresh(self, customer: Customer) -> dict[str, Any]:
        fresh = Customer.objects.for_org(self.org).prefetch_related("contacts").get(pk=customer.pk)
        return dict(self.get_serializer(fresh).data)

    @extend_schema(request=CustomerSerializer, responses={201: CustomerSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.save_customer(actor=self.membership, **data.validated_data)
        return Response(self._fresh(customer), status=status.HTTP_201_CREATED)

    @extend_schema(request=CustomerSerializer, responses=CustomerSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self.get_object()
        data = self.get_serializer(customer, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {
            "name": customer.name,
            "industry": customer.industry,
            "notes": customer.notes,
            **data.validated_data,
        }
        services.save_customer(actor=self.membership, customer=customer, **values)
        return Response(self._fresh(customer))

    @extend_schema(request=ContactSerializer, responses={201: ContactSerializer})
    @action(detail=True, methods=["post"], url_path="contacts", url_name="contacts")
    def contacts(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add a contact person to the customer."""
        customer = self.get_object()
        data = ContactSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = services.add_contact(
            actor=self.membership, customer=customer, **data.validated_data
        )
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


# --- stages -------------------------------------------------------------------------------


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "key", "name", "order", "probability", "outcome"]
        extra_kwargs = {
            "probability": {"min_value": 0, "max_value": 100},
            "key": {"help_text": gettext_lazy("Lower-case letters, digits and _; fixed.")},
        }


class StageViewSet(
    OrgScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The pipeline's stages in order. Everyone reads; admins add and change them."""

    serializer_class = StageSerializer
    lookup_url_kwarg = "stage_id"
    lookup_value_regex = "[0-9]+"
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self) -> QuerySet[Stage]:
        if self.is_schema_generation:
            return Stage.objects.none()
        return Stage.objects.for_org(self.org).order_by("order", "id")

    @extend_schema(request=StageSerializer, responses={201: StageSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Asked before validating, so that a caller without the right learns nothing more.
        rules.require(access.can_configure_pipeline(self.membership))
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        stage = services.save_stage(actor=self.membership, **data.validated_data)
        return Response(self.get_serializer(stage).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StageSerializer, responses=StageSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        stage = self.get_object()
        rules.require(access.can_configure_pipeline(self.membership))
        data = self.get_serializer(stage, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if values.pop("key", stage.key) != stage.key:
            raise DomainError(_("The key of a stage cannot change."), field="key")
        merged = {
            "name": stage.name,
            "order": stage.order,
            "probability": stage.probability,
            "outcome": stage.outcome,
            **values,
        }
        stage = services.save_stage(actor=self.membership, stage=stage, key=stage.key, **merged)
        return Response(self.get_serializer(stage).data)


# --- deals --------------------------------------------------------------------------------


class ConcernSerializer(serializers.ModelSerializer):
    class Meta:
        model = Concern
        fields = ["id", "text", "resolved"]


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string"},
            {
                "type": "array",
                "items": {
                    "oneOf": [
                        {"type": "string"},
                        {
                            "type": "object",
                            "properties": {
                                "text": {"type": "string", "maxLength": 500},
                                "resolved": {"type": "boolean", "default": False},
                            },
                            "required": ["text"],
                        },
                    ]
                },
            },
        ]
    }
)
class ConcernsInputField(serializers.Field):
    """Concerns as written: a list of `{text, resolved}` or texts; one text is one concern.

    The list replaces the deal's concerns.
    """

    default_error_messages = {
        "invalid": gettext_lazy("Concerns are a list of texts or {{text, resolved}} objects."),
        "too_many": gettext_lazy("At most 50 concerns."),
    }

    def to_internal_value(self, data: Any) -> list[Any]:
        items = [data] if isinstance(data, str) else data
        if not isinstance(items, list):
            self.fail("invalid")
        if len(items) > 50:
            self.fail("too_many")
        result: list[Any] = []
        for item in items:
            if isinstance(item, str):
                result.append(item)
            elif (
                isinstance(item, dict)
                and isinstance(item.get("text"), str)
                and isinstance(item.get("resolved", False), bool)
                and set(item) <= {"id", "text", "resolved"}
            ):
                result.append({"text": item["text"], "resolved": item.get("resolved", False)})
            else:
                self.fail("invalid")
        return result

    def to_representation(self, value: Any) -> Any:
        return value


class DealSerializer(serializers.ModelSerializer):
    """A deal as the API shows it: flat, with ids for people and the customer."""

    stage: serializers.SlugRelatedField[Stage] = serializers.SlugRelatedField(
        slug_field="key", read_only=True, help_text=gettext_lazy("Stage key.")
    )
    collaborators: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text=gettext_lazy("User ids.")
    )
    concerns = ConcernSerializer(many=True, read_only=True)
    is_stale = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy("Open and untouched (no move, no activity) for the stale period."),
    )

    class Meta:
        model = Deal
        fields = [
            "id",
            "title",
            "customer",
            "owner",
            "team",
            "collaborators",
            "amount",
            "stage",
            "probability",
            "probability_is_manual",
            "expected_close_date",
            "next_step",
            "next_step_date",
            "proposal_date",
            "concerns",
            "term",
            "forecast_category",
            "forecast_note",
            "lost_reason",
            "created_at",
            "updated_at",
            "closed_at",
            "won_date",
            "is_stale",
        ]
        read_only_fields = fields


def _customer_field(**kwargs: Any) -> OrgScopedPrimaryKeyField:
    return OrgScopedPrimaryKeyField(
        model=Customer,
        error_messages={"does_not_exist": gettext_lazy("Unknown customer {pk_value}.")},
        **kwargs,
    )


def _member_field(**kwargs: Any) -> OrgUserField:
    return OrgUserField(
        error_messages={
            "does_not_exist": gettext_lazy("{pk_value} is not a member of this organisation.")
        },
        **kwargs,
    )


class DealWriteSerializer(serializers.Serializer):
    """What a client may send to open or change a deal.

    Organisation, team, won credit, closing time and history are not input: they follow
    from the owner and from moves. `stage` on a change moves the deal (history recorded;
    `lost_reason` needed for a lost stage); `forecast_category` on a change is the forecast
    call (a manager adjusting someone's deal leaves a `forecast_note`).
    """

    title = serializers.CharField(max_length=200)
    customer = _customer_field(help_text=gettext_lazy("Customer id."))
    owner = _member_field(
        required=False,
        help_text=gettext_lazy("User id; default the caller (managers: their people)."),
    )
    collaborators = _member_field(many=True, required=False)
    amount = serializers.DecimalField(
        max_digits=16,
        decimal_places=None,  # the currency's decimals: checked by the service (400)
        min_value=Decimal(0),
        error_messages={"min_value": gettext_lazy("An amount cannot be negative.")},
        help_text=gettext_lazy(
            "In the organisation's currency; string or number, with at most the currency's "
            "decimals (none for JPY, 2 for USD or EUR)."
        ),
    )
    stage = serializers.CharField(
        max_length=40,
        required=False,
        help_text=gettext_lazy("Stage key; default the first open stage."),
    )
    lost_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
    probability = serializers.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Percent; set by hand it stays on moves. null: the stage's."),
    )
    expected_close_date = SupportedDateField(required=False, allow_null=True)
    next_step = serializers.CharField(max_length=300, required=False, allow_blank=True)
    next_step_date = SupportedDateField(required=False, allow_null=True)
    proposal_date = SupportedDateField(required=False, allow_null=True)
    term = serializers.ChoiceField(choices=Deal.Term.choices, required=False)
    forecast_category = serializers.ChoiceField(choices=Deal.Forecast.choices, required=False)
    forecast_note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    concerns = ConcernsInputField(required=False)


class MoveSerializer(serializers.Serializer):
    stage = serializers.CharField(max_length=40, help_text=gettext_lazy("Stage key."))
    lost_reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Required when the stage is a lost stage."),
    )


class ForecastCallSerializer(serializers.Serializer):
    forecast_category = serializers.ChoiceField(choices=Deal.Forecast.choices)
    note = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Required when a manager adjusts someone else's deal."),
    )


class StageChangeSerializer(serializers.ModelSerializer):
    """One history entry: `{from, to, at, by}` (stage keys; `from` is null at creation)."""

    class Meta:
        model = StageChange
        fields = ["from_stage", "to_stage", "at", "by"]

    def get_fields(self) -> dict[str, serializers.Field]:
        # `from` is a Python keyword, so the fields are named here rather than declared.
        return {
            "from": serializers.SlugRelatedField(
                source="from_stage", slug_field="key", read_only=True, allow_null=True
            ),
            "to": serializers.SlugRelatedField(source="to_stage", slug_field="key", read_only=True),
            "at": serializers.DateTimeField(read_only=True),
            "by": serializers.PrimaryKeyRelatedField(
                read_only=True, allow_null=True, help_text=gettext_lazy("User id.")
            ),
        }


class DealNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = DealNote
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]
        extra_kwargs = {"body": {"max_length": 5000}}


class DealFilterBackend(DjangoFilterBackend):
    """The deal list's one FilterSet, built by `selectors.filter_deals` for the caller."""

    def get_filterset(self, request: Any, queryset: QuerySet[Any], view: Any) -> Any:
        return selectors.filter_deals(view.membership, request.query_params, queryset=queryset)


def _with_rows(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    """Prefetch what the flat deal shape reads: two queries for any number of deals."""
    return deals.prefetch_related(
        Prefetch("collaborators", queryset=User.objects.only("id").order_by("id")),
        Prefetch("concerns", queryset=Concern.objects.order_by("id")),
    )


_UPDATE_FIELDS = (
    "title", "customer", "owner", "collaborators", "amount", "probability",
    "expected_close_date", "next_step", "next_step_date", "proposal_date", "term", "concerns",
)  # fmt: skip


@extend_schema_view(
    retrieve=extend_schema(responses=DealSerializer),
    destroy=extend_schema(responses={204: None}),
)
class DealViewSet(OrgScopedAPIMixin, viewsets.GenericViewSet):
    """Deals: members see their own and those they work on, managers their teams', admins all."""

    serializer_class = DealSerializer
    lookup_url_kwarg = "deal_id"
    lookup_value_regex = "[0-9]+"
    filter_backends = [DealFilterBackend]
    filterset_class = DealFilter

    def get_queryset(self) -> QuerySet[Deal]:
        if self.is_schema_generation:
            return Deal.objects.none()
        visible = access.deals_visible_to(self.membership)
        return selectors.with_staleness(visible, self.org).order_by("-updated_at", "-id")

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The list and the export are filtered (400 on bad values); one deal is not."""
        if self.action in ("list", "export"):
            return super().filter_queryset(queryset)
        return queryset

    def _fresh(self, deal: Deal) -> dict[str, Any]:
        """A deal just written, re-read in the list's shape (it may have left the caller's view)."""
        deals = selectors.with_staleness(Deal.objects.for_org(self.org), self.org)
        fresh = _with_rows(deals.select_related("stage")).get(pk=deal.pk)
        return dict(DealSerializer(fresh, context=self.get_serializer_context()).data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(_with_rows(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._fresh(self.get_object()))

    @extend_schema(request=DealWriteSerializer, responses={201: DealSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = DealWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("lost_reason", None)  # a deal opened in a lost stage gets a stock reason
        values.pop("forecast_note", None)  # a note is for adjusting someone else's call
        deal = services.create_deal(actor=self.membership, **values)
        return Response(self._fresh(deal), status=status.HTTP_201_CREATED)

    @extend_schema(request=DealWriteSerializer, responses=DealSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deal = self.get_object()
        rules.require(access.can_edit_deal(self.membership, deal))
        data = DealWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        values = data.validated_data
        changes = {name: values[name] for name in _UPDATE_FIELDS if name in values}
        # One transaction: a refused part (a move without a reason, a forecast the caller
        # may not set) leaves the whole deal as it was.
        with transaction.atomic():
            if changes:
                deal = services.update_deal(actor=self.membership, deal=deal, **changes)
            if "stage" in values:
                deal = services.move_deal_to_stage(
                    actor=self.membership,
                    deal=deal,
                    stage=values["stage"],
                    lost_reason=values.get("lost_reason", ""),
                )
            if "forecast_category" in values:
                deal = self._set_forecast(
                    deal, values["forecast_category"], values.get("forecast_note", "")
                )
        return Response(self._fresh(deal))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.delete_deal(actor=self.membership, deal=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _set_forecast(self, deal: Deal, category: str, note: str) -> Deal:
        try:
            return services.set_forecast_category(
                actor=self.membership, deal=deal, category=category, note=note
            )
        except DomainError as exc:
            if exc.field == "forecast_note" and self.action == "forecast":
                raise DomainError(exc.message, field="note") from exc
            raise

    @extend_schema(
        request=MoveSerializer,
        responses=DealSerializer,
        description=(
            "Move the deal to a stage and record it in the history (once, however many "
            "identical moves race). Entering a won stage sets `closed_at` and credits the "
            "owner on today's local date; a lost stage needs `lost_reason`; leaving a won "
            "stage takes the credit back."
        ),
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deal = self.get_object()
        data = MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deal = services.move_deal_to_stage(
            actor=self.membership,
            deal=deal,
            stage=data.validated_data["stage"],
            lost_reason=data.validated_data.get("lost_reason", ""),
        )
        return Response(self._fresh(deal))

    @extend_schema(
        responses={200: StageChangeSerializer(many=True)},
        description="Every stage the deal entered, oldest first: `[{from, to, at, by}]`.",
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deal = self.get_object()
        changes = selectors.stage_history(deal)
        return Response(StageChangeSerializer(changes, many=True).data)

    @extend_schema(
        request=ForecastCallSerializer,
        responses=DealSerializer,
        description="The owner sets the forecast category; a manager adjusting it leaves a note.",
    )
    @action(detail=True, methods=["post"])
    def forecast(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deal = self.get_object()
        rules.require(access.can_adjust_forecast(self.membership, deal))
        data = ForecastCallSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        deal = self._set_forecast(deal, values["forecast_category"], values.get("note", ""))
        return Response(self._fresh(deal))

    @extend_schema(
        methods=["GET"],
        responses=DealNoteSerializer(many=True),
        description="The deal's notes, oldest first.",
    )
    @extend_schema(
        methods=["POST"], request=DealNoteSerializer, responses={201: DealNoteSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def notes(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deal = self.get_object()
        if request.method == "POST":
            data = DealNoteSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            note = services.add_note(
                actor=self.membership, deal=deal, body=data.validated_data["body"]
            )
            return Response(DealNoteSerializer(note).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(deal.notes.order_by("created_at", "id"))
        return self.get_paginated_response(DealNoteSerializer(page, many=True).data)

    @import_schema(
        what="deals",
        columns=",".join(csv_io.IMPORT_COLUMNS),
        notes="Title, customer and amount are required; an unknown customer name adds the "
        "customer; `collaborator_emails` is separated by `;`. Managers and admins only: "
        "the owner is the caller or someone they manage.",
    )
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
            actor=self.membership, kind=csv_io.DealImporter.kind, content=content
        )
        return import_response(outcome, context=self.get_serializer_context())

    @extend_schema(
        filters=True,
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description=(
                    "CSV columns: " + ", ".join(csv_io.EXPORT_COLUMNS) + ". Cells that start "
                    "with = + - @ tab or CR are prefixed with ' (formula neutralised)."
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
        filename = f"deals-{self.org.slug}-{periods.today(self.org).isoformat()}.csv"
        response = csv_io.deals_csv_response(
            self.filter_queryset(self.get_queryset()),
            tzinfo=self.org.tzinfo,
            currency=self.org.currency,
            filename=filename,
        )
        record_event(
            action="export",
            actor=self.membership.user_id,
            organization=self.org,
            target=request.path,
            request=request,
            query=request.GET.urlencode()[:500],
        )
        return response


# --- stats --------------------------------------------------------------------------------


class TeamQuerySerializer(serializers.Serializer):
    team = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


def _team_of(org: Organization, params: Mapping[str, Any]) -> Team | None:
    """The `team` query parameter as a team of `org` (404 for any other id), or None."""
    query = TeamQuerySerializer(data=dict(params.items()))
    query.is_valid(raise_exception=True)
    team_id = query.validated_data.get("team")
    if team_id is None:
        return None
    team = Team.objects.for_org(org).filter(pk=team_id).first()
    if team is None:
        raise exceptions.NotFound()
    return team


TEAM_PARAMETER = OpenApiParameter(
    "team", OpenApiTypes.INT, description="A team (its sub-teams included); default everyone."
)


class PipelineStageSerializer(serializers.Serializer):
    stage = serializers.CharField(source="stage.key", help_text=gettext_lazy("Stage key."))
    name = serializers.CharField(source="stage.name")
    count = serializers.IntegerField()
    amount = money_field()
    weighted = money_field(help_text=gettext_lazy("Amount x probability."))


class PipelineOwnerSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.display_name")
    open_count = serializers.IntegerField()
    open_amount = money_field()
    stale_count = serializers.IntegerField()
    overdue_next_steps = serializers.IntegerField()


class PipelineSerializer(serializers.Serializer):
    stages = PipelineStageSerializer(many=True)
    owners = PipelineOwnerSerializer(many=True)


class PipelineView(OrgScopedAPIMixin, APIView):
    """Open deals by stage, and each owner's load (open, stale, overdue next steps).

    Per-person numbers: a team's managers (sub-teams included) and admins; everyone's:
    admins.
    """

    @extend_schema(parameters=[TEAM_PARAMETER], responses=PipelineSerializer)
    def get(self, request: Request, org_slug: str) -> Response:
        team = _team_of(self.org, request.query_params)
        rules.require(access.can_view_pipeline(self.membership, team))
        return Response(PipelineSerializer(selectors.pipeline(self.org, team=team)).data)


class ForecastQuerySerializer(TeamQuerySerializer):
    period = serializers.ChoiceField(choices=["quarter"], default="quarter")
    date = SupportedDateField(
        required=False, help_text=gettext_lazy("A day in the quarter; default today.")
    )


class SnapshotSerializer(serializers.Serializer):
    date = serializers.DateField()
    closed = money_field()
    commit = money_field()
    best_case = money_field(
        source="cumulative_best_case", help_text=gettext_lazy("Commit + best-case deals.")
    )
    pipeline = money_field(
        source="cumulative_pipeline", help_text=gettext_lazy("Best case + pipeline deals.")
    )


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(source="last", help_text=gettext_lazy("Inclusive."))


class ForecastSerializer(serializers.Serializer):
    period = PeriodSerializer(source="quarter")
    quota = money_field(
        allow_null=True, help_text=gettext_lazy("The revenue goal's share for the quarter.")
    )
    closed = money_field(help_text=gettext_lazy("Won this quarter."))
    commit = money_field(help_text=gettext_lazy("Open deals called commit closing this quarter."))
    best_case = money_field(
        help_text=gettext_lazy(
            "Cumulative: commit + open deals called best case closing this quarter."
        )
    )
    pipeline = money_field(
        help_text=gettext_lazy(
            "Cumulative: best case + open deals called pipeline closing this quarter."
        )
    )
    attainment = serializers.FloatField(
        allow_null=True,
        help_text=gettext_lazy(
            "(Closed + commit) / quota; above 1 when the quota is beaten; null without a quota."
        ),
    )
    snapshots = SnapshotSerializer(many=True)


class ForecastView(OrgScopedAPIMixin, APIView):
    """The quarter's forecast: closed, commit, best case and pipeline against the quota.

    The categories are cumulative (best case includes commit, pipeline includes best case),
    in the live numbers and in the snapshots alike.

    A team's: its members, its managers and admins; the whole organisation's: admins.
    """

    @extend_schema(
        parameters=[
            TEAM_PARAMETER,
            OpenApiParameter("period", OpenApiTypes.STR, enum=["quarter"], default="quarter"),
            OpenApiParameter("date", OpenApiTypes.DATE, description="Default today."),
        ],
        responses=ForecastSerializer,
    )
    def get(self, request: Request, org_slug: str) -> Response:
        team = _team_of(self.org, request.query_params)
        rules.require(access.can_view_forecast(self.membership, team))
        query = ForecastQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        result = selectors.forecast(self.org, team=team, on=query.validated_data.get("date"))
        return Response(ForecastSerializer(result).data)


class CloseMonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text=gettext_lazy("First day of the month."))
    weighted = money_field()


class DealStatsSerializer(serializers.Serializer):
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True, help_text=gettext_lazy("won/(won+lost)."))
    average_cycle_days = serializers.FloatField(allow_null=True)
    days_in_stage = serializers.DictField(
        child=serializers.FloatField(), help_text=gettext_lazy("Stage key → mean days spent.")
    )
    weighted_by_close_month = CloseMonthSerializer(many=True)


class DealStatsQuerySerializer(TeamQuerySerializer):
    since = SupportedDateField(required=False)


class DealStatsView(OrgScopedAPIMixin, APIView):
    """Win rate, average cycle, days in each stage, and this quarter weighted by close month.

    Read like the forecast: a team's by its members, managers and admins; everyone's by admins.
    """

    @extend_schema(
        parameters=[
            TEAM_PARAMETER,
            OpenApiParameter("since", OpenApiTypes.DATE, description="Deals closed since."),
        ],
        responses=DealStatsSerializer,
    )
    def get(self, request: Request, org_slug: str) -> Response:
        team = _team_of(self.org, request.query_params)
        rules.require(access.can_view_forecast(self.membership, team))
        query = DealStatsQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        stats = selectors.win_stats(self.org, team=team, since=query.validated_data.get("since"))
        months = selectors.weighted_by_close_month(self.org, team=team)
        payload = {
            "won": stats.won,
            "lost": stats.lost,
            "win_rate": stats.win_rate,
            "average_cycle_days": stats.average_cycle_days,
            "days_in_stage": stats.days_in_stage,
            "weighted_by_close_month": [{"month": m, "weighted": w} for m, w in months],
        }
        return Response(DealStatsSerializer(payload).data)
